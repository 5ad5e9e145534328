from datetime import timedelta

import pytest
from django.utils import timezone

from core.accounts.roles import Role
from core.audit import actions
from core.audit.models import AuditEvent
from core.audit.selectors import audit_event_list_for
from core.audit.services import audit_record
from core.errors import PermissionDenied


@pytest.fixture
def two_tenants(tenant_factory):
    return tenant_factory(slug="pdam-a"), tenant_factory(slug="pdam-b")


@pytest.fixture
def events(two_tenants):
    tenant_a, tenant_b = two_tenants
    return {
        "platform": audit_record(action=actions.LOGIN_SUCCEEDED, actor_email="x@example.test"),
        "a_config": audit_record(action=actions.CONFIG_CHANGED, tenant=tenant_a),
        "a_money": audit_record(action=actions.MONEY_MOVED, tenant=tenant_a),
        "b_config": audit_record(action=actions.CONFIG_CHANGED, tenant=tenant_b),
    }


def _seqs(queryset):
    return list(queryset.values_list("seq", flat=True))


@pytest.mark.django_db
def test_superadmin_sees_every_event_newest_first(user_factory, events):
    root = user_factory(is_superuser=True, is_staff=True)

    assert _seqs(audit_event_list_for(actor=root)) == [4, 3, 2, 1]


@pytest.mark.django_db
def test_tenant_admin_sees_only_their_tenants_events(
    user_factory, membership_factory, two_tenants, events
):
    admin = membership_factory(tenant=two_tenants[0], role=Role.CLIENT_ADMIN).user

    assert _seqs(audit_event_list_for(actor=admin)) == [3, 2]


@pytest.mark.django_db
def test_admin_of_two_tenants_sees_both(membership_factory, two_tenants, events):
    admin = membership_factory(tenant=two_tenants[0], role=Role.CLIENT_ADMIN).user
    membership_factory(user=admin, tenant=two_tenants[1], role=Role.PARTNER_ADMIN)

    assert _seqs(audit_event_list_for(actor=admin)) == [4, 3, 2]


@pytest.mark.django_db
def test_another_tenants_id_answers_like_an_unknown_one(membership_factory, two_tenants, events):
    admin = membership_factory(tenant=two_tenants[0], role=Role.CLIENT_ADMIN).user

    assert _seqs(audit_event_list_for(actor=admin, tenant_id=two_tenants[1].pk)) == []
    assert _seqs(audit_event_list_for(actor=admin, tenant_id=999_999)) == []


@pytest.mark.django_db
def test_filters_by_tenant_action_and_time(user_factory, two_tenants, events):
    root = user_factory(is_superuser=True, is_staff=True)
    now = events["a_money"].created_at

    assert _seqs(audit_event_list_for(actor=root, tenant_id=two_tenants[0].pk)) == [3, 2]
    assert _seqs(audit_event_list_for(actor=root, action=actions.CONFIG_CHANGED)) == [4, 2]
    assert _seqs(audit_event_list_for(actor=root, since=now)) == [4, 3]
    assert _seqs(audit_event_list_for(actor=root, until=now)) == [2, 1]
    assert _seqs(audit_event_list_for(actor=root, since=now + timedelta(days=1))) == []
    assert _seqs(
        audit_event_list_for(actor=root, since=timezone.now() - timedelta(days=1), until=now)
    ) == [2, 1]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CLIENT_OPERATOR, Role.CUSTOMER, Role.DISPATCHER])
def test_non_admin_roles_are_refused(membership_factory, two_tenants, events, role):
    member = membership_factory(tenant=two_tenants[0], role=role).user

    with pytest.raises(PermissionDenied) as caught:
        audit_event_list_for(actor=member)

    assert caught.value.code == "permission_denied"
    assert AuditEvent.objects.count() == 4


@pytest.mark.django_db
def test_user_without_memberships_is_refused(user_factory):
    with pytest.raises(PermissionDenied):
        audit_event_list_for(actor=user_factory())


@pytest.mark.django_db
def test_deactivated_admin_is_refused(membership_factory, two_tenants, events):
    admin = membership_factory(tenant=two_tenants[0], role=Role.CLIENT_ADMIN).user
    admin.is_active = False
    admin.save(update_fields=["is_active"])

    with pytest.raises(PermissionDenied):
        audit_event_list_for(actor=admin)
