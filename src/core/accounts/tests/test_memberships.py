"""Membership management: services and the /tenants/{id}/members API."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.accounts.errors import InvalidRole, LastAdminError
from core.accounts.models import Membership, MFADevice, User
from core.accounts.services.memberships import (
    MembershipExists,
    membership_add,
    membership_change_role,
    membership_list_for,
    membership_mfa_reset,
    membership_remove,
)
from core.api.tests.helpers import JSON, bearer_for, jwt_keys_in, problem
from core.audit import actions
from core.audit.models import AuditEvent
from core.errors import NotFound, PermissionDenied


@pytest.fixture(autouse=True)
def keys_dir(tmp_path):
    with jwt_keys_in(tmp_path / "jwt") as directory:
        yield directory


@pytest.fixture
def admin_membership(membership_factory):
    return membership_factory(role="client_admin")


def _members_url(tenant_id, membership_id=None, suffix=""):
    url = f"/api/v1/tenants/{tenant_id}/members"
    return url if membership_id is None else f"{url}/{membership_id}{suffix}"


# ---------------------------------------------------------------------------- services


@pytest.mark.django_db
def test_add_gives_an_existing_user_a_role_and_audits_it(admin_membership, user_factory):
    # given
    admin, tenant = admin_membership.user, admin_membership.tenant
    person = user_factory(email="op@example.test")
    # when
    membership = membership_add(
        actor=admin, tenant=tenant, user_email=" OP@Example.test ", role="client_operator"
    )
    # then
    assert (membership.user_id, membership.tenant_id, membership.role) == (
        person.pk,
        tenant.pk,
        "client_operator",
    )
    event = AuditEvent.objects.get(action=actions.MEMBERSHIP_ADDED)
    assert (event.actor_id, event.tenant_id, event.target_id) == (
        admin.pk,
        tenant.pk,
        str(membership.pk),
    )
    assert event.data == {
        "user_id": person.pk,
        "email": "op@example.test",
        "role": "client_operator",
        "invited": False,
    }


@pytest.mark.django_db
def test_add_invites_an_unknown_email_as_a_user_without_a_usable_password(admin_membership):
    membership = membership_add(
        actor=admin_membership.user,
        tenant=admin_membership.tenant,
        user_email="newcomer@example.test",
        role="customer",
    )
    user = User.objects.get(email="newcomer@example.test")
    assert membership.user_id == user.pk
    assert not user.has_usable_password()
    assert not user.email_verified
    assert AuditEvent.objects.get(action=actions.MEMBERSHIP_ADDED).data["invited"] is True


@pytest.mark.django_db
def test_add_refuses_a_role_of_another_tenant_kind(admin_membership):
    with pytest.raises(InvalidRole):
        membership_add(
            actor=admin_membership.user,
            tenant=admin_membership.tenant,
            user_email="x@example.test",
            role="dispatcher",
        )
    assert Membership.objects.count() == 1
    assert not User.objects.filter(email="x@example.test").exists()


@pytest.mark.django_db
def test_add_refuses_a_duplicate_role(admin_membership, membership_factory):
    existing = membership_factory(tenant=admin_membership.tenant, role="customer")
    with pytest.raises(MembershipExists):
        membership_add(
            actor=admin_membership.user,
            tenant=admin_membership.tenant,
            user_email=existing.user.email,
            role="customer",
        )
    assert Membership.objects.count() == 2


@pytest.mark.django_db
def test_non_admins_and_outsiders_cannot_add(membership_factory, tenant_factory):
    operator = membership_factory(role="client_operator")
    outsider = membership_factory(role="client_admin")
    with pytest.raises(PermissionDenied):
        membership_add(
            actor=operator.user, tenant=operator.tenant, user_email="a@b.cd", role="customer"
        )
    with pytest.raises(NotFound):
        membership_add(
            actor=outsider.user, tenant=operator.tenant, user_email="a@b.cd", role="customer"
        )
    assert Membership.objects.count() == 2


@pytest.mark.django_db
def test_the_last_admin_cannot_be_demoted_or_removed(admin_membership):
    with pytest.raises(LastAdminError):
        membership_change_role(
            actor=admin_membership.user, membership=admin_membership, role="customer"
        )
    with pytest.raises(LastAdminError):
        membership_remove(actor=admin_membership.user, membership=admin_membership)
    assert Membership.objects.get().role == "client_admin"
    assert not AuditEvent.objects.filter(action__startswith="membership.").exists()


@pytest.mark.django_db
def test_an_admin_can_step_down_when_another_admin_remains(admin_membership, membership_factory):
    # given a second administrator
    membership_factory(tenant=admin_membership.tenant, role="client_admin")
    # when
    changed = membership_change_role(
        actor=admin_membership.user, membership=admin_membership, role="client_operator"
    )
    # then
    assert Membership.objects.get(pk=changed.pk).role == "client_operator"
    event = AuditEvent.objects.get(action=actions.MEMBERSHIP_ROLE_CHANGED)
    assert event.data == {
        "user_id": admin_membership.user_id,
        "from": "client_admin",
        "to": "client_operator",
    }


@pytest.mark.django_db
def test_remove_deletes_the_membership_and_audits_it(admin_membership, membership_factory):
    member = membership_factory(tenant=admin_membership.tenant, role="customer")
    membership_remove(actor=admin_membership.user, membership=member)
    assert not Membership.objects.filter(pk=member.pk).exists()
    event = AuditEvent.objects.get(action=actions.MEMBERSHIP_REMOVED)
    assert (event.target_id, event.data) == (
        str(member.pk),
        {"user_id": member.user_id, "role": "customer"},
    )


@pytest.mark.django_db
def test_mfa_reset_clears_the_members_authenticator(
    admin_membership, membership_factory, mfa_enrol
):
    # given an operator locked out of their authenticator
    member = membership_factory(tenant=admin_membership.tenant, role="client_operator")
    mfa_enrol(member.user)
    # when
    membership_mfa_reset(actor=admin_membership.user, membership=member)
    # then
    assert not MFADevice.objects.filter(user=member.user).exists()
    event = AuditEvent.objects.get(action=actions.MFA_RESET_BY_ADMIN)
    assert (event.actor_id, event.tenant_id, event.target_id) == (
        admin_membership.user_id,
        admin_membership.tenant_id,
        str(member.user_id),
    )


@pytest.mark.django_db
def test_mfa_reset_cannot_reach_people_who_belong_to_other_tenants(
    admin_membership, membership_factory, mfa_enrol
):
    # given a member who is also an administrator of another tenant
    member = membership_factory(tenant=admin_membership.tenant, role="customer")
    membership_factory(user=member.user, role="client_admin")
    mfa_enrol(member.user)
    # when / then
    with pytest.raises(PermissionDenied):
        membership_mfa_reset(actor=admin_membership.user, membership=member)
    assert MFADevice.objects.filter(user=member.user).count() == 1


@pytest.mark.django_db
def test_mfa_reset_cannot_reach_a_superadmin(admin_membership, membership_factory, mfa_enrol):
    member = membership_factory(tenant=admin_membership.tenant, role="customer")
    User.objects.filter(pk=member.user_id).update(is_superuser=True)
    member.user.refresh_from_db()
    mfa_enrol(member.user)
    with pytest.raises(PermissionDenied):
        membership_mfa_reset(actor=admin_membership.user, membership=member)
    assert MFADevice.objects.filter(user=member.user).count() == 1


@pytest.mark.django_db
def test_list_for_a_superadmin_of_a_missing_tenant_is_not_found(user_factory):
    with pytest.raises(NotFound):
        membership_list_for(actor=user_factory(is_superuser=True), tenant_id=999_999)


# ---------------------------------------------------------------------------- API


@pytest.mark.django_db
def test_admin_lists_members_with_a_constant_number_of_queries(
    client, admin_membership, membership_factory, mfa_enrol
):
    # given
    tenant = admin_membership.tenant
    auth = bearer_for(admin_membership.user)
    member = membership_factory(tenant=tenant, role="client_operator")
    mfa_enrol(member.user)
    with CaptureQueriesContext(connection) as few:
        client.get(_members_url(tenant.pk), HTTP_AUTHORIZATION=auth)
    for _ in range(4):
        membership_factory(tenant=tenant, role="customer")
    # when
    with CaptureQueriesContext(connection) as many:
        response = client.get(_members_url(tenant.pk), HTTP_AUTHORIZATION=auth)
    # then
    assert response.status_code == 200
    assert len(many) == len(few)
    rows = {row["id"]: row for row in response.json()}
    assert len(rows) == 6
    assert rows[member.pk] == {
        "id": member.pk,
        "user_id": member.user_id,
        "email": member.user.email,
        "full_name": member.user.full_name,
        "role": "client_operator",
        "mfa_enabled": True,
        "invited": False,
        "created_at": rows[member.pk]["created_at"],
    }
    assert rows[admin_membership.pk]["mfa_enabled"] is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("anonymous", 401, "not_authenticated"),
        ("other_tenant_admin", 404, "not_found"),
        ("operator", 403, "permission_denied"),
        ("admin", 200, None),
        ("superadmin", 200, None),
    ],
)
def test_members_api_authorization_matrix(
    client, admin_membership, membership_factory, user_factory, who, status, code
):
    # given a caller of each kind
    tenant = admin_membership.tenant
    callers = {
        "anonymous": None,
        "other_tenant_admin": membership_factory(role="client_admin").user,
        "operator": membership_factory(tenant=tenant, role="client_operator").user,
        "admin": admin_membership.user,
        "superadmin": user_factory(is_superuser=True),
    }
    caller = callers[who]
    headers = {} if caller is None else {"HTTP_AUTHORIZATION": bearer_for(caller)}
    before = Membership.objects.count()
    # when each endpoint is called
    responses = [
        client.get(_members_url(tenant.pk), **headers),
        client.post(
            _members_url(tenant.pk),
            {"email": "new@example.test", "role": "customer"},
            content_type=JSON,
            **headers,
        ),
    ]
    # then
    assert [r.status_code for r in responses] == [status, 201 if status == 200 else status]
    if code is not None:
        assert [problem(r)["code"] for r in responses] == [code, code]
        assert Membership.objects.count() == before


@pytest.mark.django_db
def test_api_add_change_reset_and_remove_a_member(client, admin_membership, mfa_enrol):
    tenant, auth = admin_membership.tenant, bearer_for(admin_membership.user)
    # add
    added = client.post(
        _members_url(tenant.pk),
        {"email": "Ops@Example.test", "role": "client_operator"},
        content_type=JSON,
        HTTP_AUTHORIZATION=auth,
    )
    assert added.status_code == 201
    body = added.json()
    assert (body["email"], body["role"], body["invited"]) == (
        "ops@example.test",
        "client_operator",
        True,
    )
    member_id = body["id"]
    # change role
    changed = client.patch(
        _members_url(tenant.pk, member_id),
        {"role": "customer"},
        content_type=JSON,
        HTTP_AUTHORIZATION=auth,
    )
    assert (changed.status_code, changed.json()["role"]) == (200, "customer")
    # reset MFA
    member_user = User.objects.get(email="ops@example.test")
    mfa_enrol(member_user)
    reset = client.post(_members_url(tenant.pk, member_id, "/mfa-reset"), HTTP_AUTHORIZATION=auth)
    assert reset.status_code == 204
    assert not MFADevice.objects.filter(user=member_user).exists()
    # remove
    removed = client.delete(_members_url(tenant.pk, member_id), HTTP_AUTHORIZATION=auth)
    assert removed.status_code == 204
    assert not Membership.objects.filter(pk=member_id).exists()


@pytest.mark.django_db
def test_api_refuses_an_invalid_role(client, admin_membership):
    response = client.post(
        _members_url(admin_membership.tenant_id),
        {"email": "x@example.test", "role": "technician"},
        content_type=JSON,
        HTTP_AUTHORIZATION=bearer_for(admin_membership.user),
    )
    assert response.status_code == 422
    body = problem(response)
    assert body["code"] == "invalid_role"
    assert [e["field"] for e in body["errors"]] == ["role"]
    assert Membership.objects.count() == 1


@pytest.mark.django_db
def test_a_membership_of_another_tenant_is_not_found(client, admin_membership, membership_factory):
    # given a membership in a tenant the admin does not manage
    foreign = membership_factory(role="customer")
    auth = bearer_for(admin_membership.user)
    url = _members_url(admin_membership.tenant_id, foreign.pk)
    # when
    responses = [
        client.patch(url, {"role": "client_operator"}, content_type=JSON, HTTP_AUTHORIZATION=auth),
        client.delete(url, HTTP_AUTHORIZATION=auth),
        client.post(f"{url}/mfa-reset", HTTP_AUTHORIZATION=auth),
    ]
    # then
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert {problem(r)["code"] for r in responses} == {"not_found"}
    assert Membership.objects.get(pk=foreign.pk).role == "customer"


@pytest.mark.django_db
def test_api_refuses_removing_the_last_admin(client, admin_membership):
    response = client.delete(
        _members_url(admin_membership.tenant_id, admin_membership.pk),
        HTTP_AUTHORIZATION=bearer_for(admin_membership.user),
    )
    assert response.status_code == 409
    assert problem(response)["code"] == "last_admin"
    assert Membership.objects.filter(pk=admin_membership.pk).exists()
