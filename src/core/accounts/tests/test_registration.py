"""Self-service account services: registration, verification, reset, change, profile."""

from __future__ import annotations

import time
from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core import mail, signing
from django.db import connection
from django.test import override_settings
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.accounts.errors import InvalidToken, PasswordPolicyError
from core.accounts.models import Membership, User, UserSession
from core.accounts.services.registration import (
    EmailTaken,
    InvalidInput,
    WrongPassword,
    email_verification_token,
    email_verify,
    password_change,
    password_reset_confirm,
    password_reset_request,
    profile_update,
    user_register,
)
from core.audit import actions
from core.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English whatever an earlier request activated."""
    with translation.override("en"):
        yield


def _uid(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def test_register_creates_unverified_user_without_any_role_and_mails_a_link(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        user = user_register(
            email=" Nadia@Example.ID ",
            password="Tirta-Asri-77!",
            full_name="Nadia Putri",
            language="id",
        )

    assert (user.email, user.full_name, user.language) == ("nadia@example.id", "Nadia Putri", "id")
    assert user.email_verified_at is None
    assert Membership.objects.filter(user=user).count() == 0
    assert list(AuditEvent.objects.filter(actor_id=user.pk).values_list("action", flat=True)) == [
        actions.USER_REGISTERED
    ]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nadia@example.id"]
    assert "/accounts/verify-email/?token=" in mail.outbox[0].body
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_register_with_a_weak_password_lists_every_policy_message_and_creates_nobody():
    with pytest.raises(PasswordPolicyError) as caught:
        user_register(email="weak@example.id", password="password", full_name="Nadia Putri")

    assert caught.value.code == "password_policy"
    assert caught.value.extra["errors"] == [
        "This password is too common.",
        "The password must contain an upper-case letter, a digit, a symbol such as ! ? # or @.",
    ]
    assert User.objects.filter(email="weak@example.id").exists() is False


def test_register_with_a_taken_email_is_refused_with_409(user_factory):
    user_factory(email="taken@example.id")

    with pytest.raises(EmailTaken) as caught:
        user_register(email="TAKEN@example.id", password="Tirta-Asri-77!", full_name="Second")

    assert (caught.value.code, caught.value.status) == ("email_taken", 409)
    assert User.objects.filter(email="taken@example.id").count() == 1


def test_register_rejects_an_invalid_email_and_creates_nobody():
    with pytest.raises(InvalidInput) as caught:
        user_register(email="not-an-email", password="Tirta-Asri-77!", full_name="Someone")

    assert caught.value.code == "invalid_email"
    assert User.objects.count() == 0


def test_email_verify_marks_the_address_and_a_second_use_changes_nothing(user_factory):
    user = user_factory(email_verified_at=None)
    token = email_verification_token(user=user)

    first = email_verify(token=token)
    verified_at = User.objects.get(pk=user.pk).email_verified_at
    second = email_verify(token=token)

    assert first.pk == second.pk == user.pk
    assert verified_at is not None
    assert User.objects.get(pk=user.pk).email_verified_at == verified_at
    assert AuditEvent.objects.filter(action=actions.EMAIL_VERIFIED, actor_id=user.pk).count() == 1


def test_email_verify_refuses_a_tampered_token(user_factory):
    user = user_factory(email_verified_at=None)
    token = email_verification_token(user=user)

    with pytest.raises(InvalidToken):
        email_verify(token=token[:-2] + ("aa" if not token.endswith("aa") else "bb"))

    assert User.objects.get(pk=user.pk).email_verified_at is None


def test_email_verify_refuses_a_token_older_than_three_days(user_factory, monkeypatch):
    user = user_factory(email_verified_at=None)
    token = email_verification_token(user=user)
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 3 * 24 * 3600 + 5)

    with pytest.raises(InvalidToken):
        email_verify(token=token)

    assert User.objects.get(pk=user.pk).email_verified_at is None


def test_email_verify_refuses_a_token_issued_for_a_previous_address(user_factory):
    user = user_factory(email="old@example.id", email_verified_at=None)
    token = email_verification_token(user=user)
    User.objects.filter(pk=user.pk).update(email="new@example.id")

    with pytest.raises(InvalidToken):
        email_verify(token=token)

    assert User.objects.get(pk=user.pk).email_verified_at is None


def test_password_reset_request_is_silent_for_unknown_addresses(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_request(email="nobody@example.id")

    assert mail.outbox == []
    assert AuditEvent.objects.filter(action=actions.PASSWORD_RESET_REQUESTED).count() == 0


def test_password_reset_request_mails_a_link_to_a_known_address(
    user_factory, django_capture_on_commit_callbacks
):
    user = user_factory(email="owner@example.id")

    with django_capture_on_commit_callbacks(execute=True):
        password_reset_request(email="OWNER@example.id")

    assert len(mail.outbox) == 1
    assert f"/accounts/password/reset/{_uid(user)}/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action=actions.PASSWORD_RESET_REQUESTED).count() == 1


def test_password_reset_confirm_sets_the_password_and_the_link_then_stops_working(user_factory):
    user = user_factory()
    token = default_token_generator.make_token(user)

    password_reset_confirm(uid=_uid(user), token=token, new_password="Brand-New-Pass-9?")
    with pytest.raises(InvalidToken):
        password_reset_confirm(uid=_uid(user), token=token, new_password="Another-Pass-8?")

    assert User.objects.get(pk=user.pk).check_password("Brand-New-Pass-9?")
    assert AuditEvent.objects.filter(action=actions.PASSWORD_RESET_COMPLETED).count() == 1


def test_password_reset_confirm_refuses_an_expired_link(user_factory, password, monkeypatch):
    user = user_factory()
    token = default_token_generator.make_token(user)
    real_now = PasswordResetTokenGenerator._now
    monkeypatch.setattr(
        PasswordResetTokenGenerator,
        "_now",
        lambda self: real_now(self) + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1),
    )

    with pytest.raises(InvalidToken):
        password_reset_confirm(uid=_uid(user), token=token, new_password="Brand-New-Pass-9?")

    assert User.objects.get(pk=user.pk).check_password(password)


def test_password_reset_confirm_checks_the_policy_and_keeps_the_old_password(
    user_factory, password
):
    user = user_factory()
    token = default_token_generator.make_token(user)

    with pytest.raises(PasswordPolicyError) as caught:
        password_reset_confirm(uid=_uid(user), token=token, new_password="short")

    assert caught.value.extra["errors"] == [
        "This password is too short. It must contain at least 8 characters.",
        "The password must contain an upper-case letter, a digit, a symbol such as ! ? # or @.",
    ]
    assert User.objects.get(pk=user.pk).check_password(password)


def test_password_reset_signs_out_every_session(user_factory, client, password):
    user = user_factory()
    client.post("/accounts/login/", {"email": user.email, "password": password})
    key = client.session.session_key
    user.refresh_from_db()  # signing in moved last_login, which the token covers

    password_reset_confirm(
        uid=_uid(user),
        token=default_token_generator.make_token(user),
        new_password="Brand-New-Pass-9?",
    )

    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert UserSession.objects.filter(user=user).count() == 0
    assert store().exists(key) is False


def test_password_change_with_a_wrong_current_password_changes_nothing(user_factory, password):
    user = user_factory()

    with pytest.raises(WrongPassword) as caught:
        password_change(user=user, old_password="Not-The-One-1!", new_password="Brand-New-Pass-9?")

    assert (caught.value.code, caught.value.status) == ("wrong_password", 400)
    assert User.objects.get(pk=user.pk).check_password(password)
    assert AuditEvent.objects.filter(action=actions.PASSWORD_CHANGED).count() == 0


def test_password_change_sets_the_new_password_and_audits(user_factory, password):
    user = user_factory()

    password_change(user=user, old_password=password, new_password="Brand-New-Pass-9?")

    assert User.objects.get(pk=user.pk).check_password("Brand-New-Pass-9?")
    assert AuditEvent.objects.filter(action=actions.PASSWORD_CHANGED, actor_id=user.pk).count() == 1


def test_profile_update_stores_the_phone_encrypted_and_audits_field_names_only(user_factory):
    user = user_factory(full_name="Agus", language="en")

    profile_update(user=user, full_name="Agus Pratama", phone="+62 812-3456-7890", language="id")

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
        raw = cursor.fetchone()[0]
    stored = User.objects.get(pk=user.pk)
    event = AuditEvent.objects.get(action=actions.PROFILE_UPDATED)
    assert raw.startswith("t1$")
    assert "6281234567890" not in raw
    assert (stored.full_name, stored.phone, stored.language) == (
        "Agus Pratama",
        "+6281234567890",
        "id",
    )
    assert event.data == {"fields": ["full_name", "phone", "language"]}


@pytest.mark.parametrize(
    "phone", ["0812345", "+0812345678", "+62 812 abc 7890", "62812345678901234"]
)
def test_profile_update_refuses_a_malformed_phone_and_changes_nothing(user_factory, phone):
    user = user_factory(full_name="Agus")

    with pytest.raises(InvalidInput) as caught:
        profile_update(user=user, full_name="Changed", phone=phone, language="en")

    assert caught.value.code == "invalid_phone"
    assert User.objects.get(pk=user.pk).full_name == "Agus"
    assert AuditEvent.objects.filter(action=actions.PROFILE_UPDATED).count() == 0


def test_the_verification_email_is_written_in_the_users_language(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        user_register(
            email="budi@example.id", password="Tirta-Asri-77!", full_name="Budi", language="id"
        )

    assert mail.outbox[0].subject == "Konfirmasi alamat email Anda"
    assert mail.outbox[0].body.startswith("Halo Budi,")
    assert '<html lang="id">' in mail.outbox[0].alternatives[0][0]


@override_settings(RATE_LIMIT_REGISTER="2/3600")
def test_registrations_per_network_are_limited_on_the_form(client):
    for n in range(2):
        response = client.post(
            "/accounts/register/",
            {
                "full_name": f"Person {n}",
                "email": f"person{n}@example.test",
                "new_password1": "Fresh-Start-42!",
                "new_password2": "Fresh-Start-42!",
                "language": "en",
            },
        )
        assert response.status_code == 302

    response = client.post(
        "/accounts/register/",
        {
            "full_name": "Person 3",
            "email": "person3@example.test",
            "new_password1": "Fresh-Start-42!",
            "new_password2": "Fresh-Start-42!",
            "language": "en",
        },
    )

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert b"Too many accounts were created from this network" in response.content
    assert not User.objects.filter(email="person3@example.test").exists()
