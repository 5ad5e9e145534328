"""Account endpoints for apps: registration, email verification, password reset, profile."""

from __future__ import annotations

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.accounts.models import Membership, RefreshToken, User
from core.accounts.services.registration import email_verification_token
from core.accounts.services.tokens import token_obtain
from core.api.tests.helpers import JSON, bearer_for, jwt_keys_in, problem

NEW_PASSWORD = "Another-Staple-9?"


@pytest.fixture(autouse=True)
def keys_dir(tmp_path):
    with jwt_keys_in(tmp_path / "jwt") as directory:
        yield directory


def _register(client, **overrides):
    body = {"email": "New.Person@Example.test", "password": "Sturdy-Lantern-42!"}
    body.update({"full_name": "New Person", **overrides})
    return client.post("/api/v1/auth/register", body, content_type=JSON)


# ---------------------------------------------------------------------------- registration


@pytest.mark.django_db
def test_register_creates_an_unverified_user_without_any_role(
    client, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = _register(client, language="id")
    # then
    assert response.status_code == 201
    user = User.objects.get()
    assert response.json() == {
        "id": user.pk,
        "email": "new.person@example.test",
        "full_name": "New Person",
        "phone": "",
        "language": "id",
        "email_verified": False,
        "mfa_enabled": False,
        "is_superadmin": False,
    }
    assert Membership.objects.count() == 0
    assert [m.to for m in mail.outbox] == [["new.person@example.test"]]


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [{"role": "client_admin"}, {"is_superuser": True}])
def test_register_refuses_a_role_or_privilege_in_the_body(client, extra):
    # when
    response = _register(client, **extra)
    # then
    assert response.status_code == 422
    body = problem(response)
    assert body["code"] == "validation_error"
    assert [(e["field"], e["code"]) for e in body["errors"]] == [
        (next(iter(extra)), "extra_forbidden")
    ]
    assert User.objects.count() == 0
    assert Membership.objects.count() == 0


@pytest.mark.django_db
def test_register_with_a_weak_password_lists_the_policy_failures(client):
    response = _register(client, password="password")
    assert response.status_code == 422
    body = problem(response)
    assert body["code"] == "password_policy"
    assert body["errors"]
    assert {e["field"] for e in body["errors"]} == {"password"}
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_register_twice_with_one_email_is_a_conflict(client, user_factory):
    user_factory(email="new.person@example.test")
    response = _register(client)
    assert response.status_code == 409
    assert problem(response)["code"] == "email_taken"
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_verify_email_marks_the_address_verified(client, user_factory):
    # given
    user = user_factory(email_verified_at=None)
    # when
    response = client.post(
        "/api/v1/auth/verify-email",
        {"token": email_verification_token(user=user)},
        content_type=JSON,
    )
    # then
    assert response.status_code == 204
    assert User.objects.get(pk=user.pk).email_verified


@pytest.mark.django_db
def test_verify_email_with_a_bad_token_changes_nothing(client, user_factory):
    user = user_factory(email_verified_at=None)
    response = client.post("/api/v1/auth/verify-email", {"token": "forged"}, content_type=JSON)
    assert response.status_code == 401
    assert problem(response)["code"] == "invalid_token"
    assert not User.objects.get(pk=user.pk).email_verified


# ---------------------------------------------------------------------------- password reset


@pytest.mark.django_db
@pytest.mark.parametrize("known", [True, False])
def test_password_reset_answers_202_whether_or_not_the_account_exists(
    client, user_factory, django_capture_on_commit_callbacks, known
):
    user = user_factory()
    email = user.email if known else "nobody@example.test"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/auth/password-reset", {"email": email}, content_type=JSON)
    assert response.status_code == 202
    assert response.content == b""
    assert len(mail.outbox) == (1 if known else 0)


@pytest.mark.django_db
def test_password_reset_confirm_sets_the_password_and_revokes_refresh_tokens(
    client, user_factory, password
):
    # given a user with a live API sign-in
    user = user_factory()
    token_obtain(email=user.email, password=password, otp=None, tenant_id=None, ip="10.0.0.1")
    body = {
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "new_password": NEW_PASSWORD,
    }
    # when
    response = client.post("/api/v1/auth/password-reset/confirm", body, content_type=JSON)
    # then
    assert response.status_code == 204
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_password_reset_confirm_with_a_bad_token_changes_nothing(client, user_factory, password):
    user = user_factory()
    body = {
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": "x-y",
        "new_password": NEW_PASSWORD,
    }
    response = client.post("/api/v1/auth/password-reset/confirm", body, content_type=JSON)
    assert response.status_code == 401
    assert problem(response)["code"] == "invalid_token"
    assert User.objects.get(pk=user.pk).check_password(password)


# ---------------------------------------------------------------------------- me


@pytest.mark.django_db
def test_me_returns_profile_and_memberships(
    client, user_factory, tenant_factory, membership_factory
):
    # given a customer of a water authority and a motorist of a roadside operator
    user = user_factory(full_name="Ana Putri", phone="+6281234567890", language="id")
    water = tenant_factory(name="PDAM Tirta", kind="water_authority")
    roadside = tenant_factory(name="Island Assist", kind="roadside_operator")
    membership_factory(user=user, tenant=water, role="customer")
    membership_factory(user=user, tenant=roadside, role="motorist")
    # when
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=bearer_for(user))
    # then
    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "email": user.email,
        "full_name": "Ana Putri",
        "phone": "+6281234567890",
        "language": "id",
        "email_verified": True,
        "mfa_enabled": False,
        "is_superadmin": False,
        "memberships": [
            {
                "tenant_id": roadside.pk,
                "tenant_name": "Island Assist",
                "tenant_kind": "roadside_operator",
                "service": "roadside",
                "role": "motorist",
            },
            {
                "tenant_id": water.pk,
                "tenant_name": "PDAM Tirta",
                "tenant_kind": "water_authority",
                "service": "water",
                "role": "customer",
            },
        ],
    }


@pytest.mark.django_db
def test_patch_me_updates_only_the_given_fields(client, user_factory):
    user = user_factory(full_name="Old Name", language="en")
    response = client.patch(
        "/api/v1/me",
        {"phone": "+1 868 555 0101"},
        content_type=JSON,
        HTTP_AUTHORIZATION=bearer_for(user),
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.full_name, user.phone, user.language) == ("Old Name", "+18685550101", "en")
    assert response.json()["phone"] == "+18685550101"


@pytest.mark.django_db
def test_patch_me_with_an_invalid_phone_changes_nothing(client, user_factory):
    user = user_factory(phone="+6281234567890")
    response = client.patch(
        "/api/v1/me", {"phone": "12"}, content_type=JSON, HTTP_AUTHORIZATION=bearer_for(user)
    )
    assert response.status_code == 422
    assert problem(response)["code"] == "invalid_phone"
    assert User.objects.get(pk=user.pk).phone == "+6281234567890"


@pytest.mark.django_db
def test_change_password_revokes_refresh_tokens(client, user_factory, password):
    # given
    user = user_factory()
    token_obtain(email=user.email, password=password, otp=None, tenant_id=None, ip="10.0.0.1")
    # when
    response = client.post(
        "/api/v1/me/password",
        {"old_password": password, "new_password": NEW_PASSWORD},
        content_type=JSON,
        HTTP_AUTHORIZATION=bearer_for(user),
    )
    # then
    assert response.status_code == 204
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_change_password_with_the_wrong_current_password_changes_nothing(
    client, user_factory, password
):
    user = user_factory()
    response = client.post(
        "/api/v1/me/password",
        {"old_password": "not-it", "new_password": NEW_PASSWORD},
        content_type=JSON,
        HTTP_AUTHORIZATION=bearer_for(user),
    )
    assert response.status_code == 400
    assert problem(response)["code"] == "wrong_password"
    assert User.objects.get(pk=user.pk).check_password(password)


@pytest.mark.django_db
def test_change_password_to_a_weak_one_names_the_new_password_field(client, user_factory, password):
    user = user_factory()
    response = client.post(
        "/api/v1/me/password",
        {"old_password": password, "new_password": "123"},
        content_type=JSON,
        HTTP_AUTHORIZATION=bearer_for(user),
    )
    assert response.status_code == 422
    body = problem(response)
    assert body["code"] == "password_policy"
    assert {e["field"] for e in body["errors"]} == {"new_password"}
    assert User.objects.get(pk=user.pk).check_password(password)


# ---------------------------------------------------------------------------- tenants


@pytest.mark.django_db
def test_tenants_lists_the_callers_tenants_with_roles(
    client, user_factory, tenant_factory, membership_factory
):
    user = user_factory()
    mine = tenant_factory(name="Alpha")
    tenant_factory(name="Beta")
    membership_factory(user=user, tenant=mine, role="customer")
    response = client.get("/api/v1/tenants", HTTP_AUTHORIZATION=bearer_for(user))
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": mine.pk,
            "name": "Alpha",
            "kind": "water_authority",
            "service": "water",
            "roles": ["customer"],
        }
    ]


@pytest.mark.django_db
def test_tenants_lists_every_tenant_for_the_superadmin(client, user_factory, tenant_factory):
    admin = user_factory(is_superuser=True)
    alpha, beta = tenant_factory(name="Alpha"), tenant_factory(name="Beta")
    response = client.get("/api/v1/tenants", HTTP_AUTHORIZATION=bearer_for(admin))
    assert [(t["id"], t["roles"]) for t in response.json()] == [
        (alpha.pk, ["superadmin"]),
        (beta.pk, ["superadmin"]),
    ]


@pytest.mark.django_db
def test_tenants_needs_authentication(client):
    response = client.get("/api/v1/tenants")
    assert response.status_code == 401
    assert problem(response)["code"] == "not_authenticated"
