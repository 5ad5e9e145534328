"""Sign-in, registration and verification pages, driven through the test client."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.core import mail
from django.utils import translation

from core.accounts.models import Membership, User, UserSession
from core.accounts.roles import Role
from core.accounts.views._common import PENDING_LOGIN_KEY
from core.audit import actions
from core.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "Tirta-Asri-77!"


def _next_step_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(int(time.time()) + 30)


def _register(client, **overrides):
    data = {
        "full_name": "Nadia Putri",
        "email": "nadia@example.id",
        "new_password1": GOOD_PASSWORD,
        "new_password2": GOOD_PASSWORD,
        "language": "id",
        **overrides,
    }
    return client.post("/accounts/register/", data)


def test_register_verify_then_sign_in_end_to_end(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registered = _register(client)
    link = re.search(r"http://[^\s]+/accounts/verify-email/\?token=[^\s]+", mail.outbox[0].body)
    assert link is not None
    before_verify = client.post(
        "/accounts/login/", {"email": "nadia@example.id", "password": GOOD_PASSWORD}
    )

    verified = client.get(link.group(0).removeprefix("http://127.0.0.1:8000"))
    signed_in = client.post(
        "/accounts/login/", {"email": "nadia@example.id", "password": GOOD_PASSWORD}
    )

    assert registered.status_code == 302
    assert registered["Location"] == "/accounts/verify-email/sent/"
    assert before_verify.status_code == 200
    assert b"Please confirm your email address first." in before_verify.content
    assert verified.status_code == 200
    assert b"Email address confirmed" in verified.content
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/home/"
    assert signed_in.cookies["django_language"].value == "id"
    with translation.override("en"):  # the language cookie is now "id"
        assert client.get("/home/").status_code == 200
    user = User.objects.get(email="nadia@example.id")
    assert UserSession.objects.filter(user=user).count() == 1


def test_registration_ignores_an_injected_role(client, tenant_factory):
    tenant = tenant_factory()

    response = _register(client, role=Role.CLIENT_ADMIN, tenant=tenant.pk, tenant_id=tenant.pk)

    user = User.objects.get(email="nadia@example.id")
    assert response.status_code == 302
    assert Membership.objects.filter(user=user).count() == 0
    assert user.is_staff is False
    assert user.is_superuser is False


def test_registration_form_has_no_role_field(client):
    response = client.get("/accounts/register/")

    assert response.status_code == 200
    assert sorted(response.context["form"].fields) == [
        "email",
        "full_name",
        "language",
        "new_password1",
        "new_password2",
    ]
    assert b'name="role"' not in response.content
    assert b'name="csrfmiddlewaretoken"' in response.content


def test_registration_with_a_weak_password_shows_each_message_and_creates_nobody(client):
    response = _register(client, new_password1="password", new_password2="password")

    assert response.status_code == 200
    assert response.context["form"].errors["new_password1"] == [
        "This password is too common.",
        "The password must contain an upper-case letter, a digit, a symbol such as ! ? # or @.",
    ]
    assert b"This password is too common." in response.content
    assert User.objects.count() == 0


def test_registration_with_a_taken_email_says_so_and_creates_nobody(client, user_factory):
    user_factory(email="nadia@example.id")

    response = _register(client)

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert User.objects.filter(email="nadia@example.id").count() == 1


def test_a_bad_verification_link_answers_400_with_a_resend_form(client):
    response = client.get("/accounts/verify-email/?token=forged")

    assert response.status_code == 400
    assert b"This link is not valid" in response.content


def test_wrong_credentials_show_one_generic_message(client, user_factory):
    user_factory(email="agus@example.id")

    unknown = client.post("/accounts/login/", {"email": "x@example.id", "password": "Nope-123!"})
    wrong = client.post("/accounts/login/", {"email": "agus@example.id", "password": "Nope-123!"})

    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].non_field_errors() == ["Email or password is incorrect."]
    assert wrong.context["form"].non_field_errors() == ["Email or password is incorrect."]
    assert "_auth_user_id" not in client.session


def test_the_sixth_sign_in_attempt_gets_429_with_retry_after(client, user_factory, password):
    user_factory(email="agus@example.id")
    for _ in range(5):
        client.post("/accounts/login/", {"email": "agus@example.id", "password": "Nope-123!"})

    response = client.post("/accounts/login/", {"email": "agus@example.id", "password": password})

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert b"Too many sign-in attempts." in response.content
    assert "_auth_user_id" not in client.session


def test_mfa_sign_in_takes_two_steps_with_a_totp_code(client, user_factory, password, mfa_enrol):
    user = user_factory(email="agus@example.id")
    secret, _codes = mfa_enrol(user)

    step_one = client.post(
        "/accounts/login/",
        {"email": user.email, "password": password, "next": "/accounts/profile/"},
    )
    between = client.get("/accounts/profile/")
    step_two = client.post("/accounts/login/verify/", {"code": _next_step_code(secret)})

    assert step_one.status_code == 302
    assert step_one["Location"] == "/accounts/login/verify/"
    assert between.status_code == 302
    assert between["Location"].startswith("/accounts/login/")
    assert step_two.status_code == 302
    assert step_two["Location"] == "/accounts/profile/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert PENDING_LOGIN_KEY not in client.session
    assert AuditEvent.objects.filter(action=actions.LOGIN_SUCCEEDED, actor_id=user.pk).count() == 1


def test_a_wrong_second_factor_keeps_the_user_signed_out(client, user_factory, password, mfa_enrol):
    user = user_factory()
    mfa_enrol(user)
    client.post("/accounts/login/", {"email": user.email, "password": password})

    response = client.post("/accounts/login/verify/", {"code": "000000"})

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        "That code is not valid. Check your app and try again."
    ]
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_signs_in_once(client, user_factory, password, mfa_enrol):
    user = user_factory()
    _secret, codes = mfa_enrol(user)
    client.post("/accounts/login/", {"email": user.email, "password": password})
    first = client.post("/accounts/login/verify/", {"code": codes[3]})
    client.post("/accounts/logout/")

    client.post("/accounts/login/", {"email": user.email, "password": password})
    second = client.post("/accounts/login/verify/", {"code": codes[3]})

    assert first.status_code == 302
    assert second.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_code_step_expires_after_five_minutes(client, user_factory, password, mfa_enrol):
    user = user_factory()
    secret, _codes = mfa_enrol(user)
    client.post("/accounts/login/", {"email": user.email, "password": password})
    session = client.session
    session[PENDING_LOGIN_KEY] = {**session[PENDING_LOGIN_KEY], "at": time.time() - 301}
    session.save()

    response = client.post("/accounts/login/verify/", {"code": _next_step_code(secret)})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_the_code_step_without_a_password_step_goes_back_to_sign_in(client):
    response = client.get("/accounts/login/verify/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/accounts/sessions/", "/accounts/sessions/"),
        ("https://evil.example/steal", "/home/"),
        ("//evil.example/", "/home/"),
    ],
)
def test_only_local_next_urls_are_followed(client, user_factory, password, next_url, expected):
    user = user_factory()

    response = client.post(
        "/accounts/login/", {"email": user.email, "password": password, "next": next_url}
    )

    assert response["Location"] == expected


def test_sign_in_cycles_the_session_key(client, user_factory, password):
    user = user_factory()
    client.get("/accounts/login/")
    session = client.session
    session["probe"] = 1
    session.save()
    anonymous_key = session.session_key

    client.post("/accounts/login/", {"email": user.email, "password": password})

    assert client.session.session_key != anonymous_key
    assert UserSession.objects.get(user=user).session_key == client.session.session_key


def test_sign_out_is_post_only_and_ends_the_session(client, user_factory, password):
    user = user_factory()
    client.post("/accounts/login/", {"email": user.email, "password": password})

    by_get = client.get("/accounts/logout/")
    by_post = client.post("/accounts/logout/")

    assert by_get.status_code == 405
    assert by_post.status_code == 302
    assert by_post["Location"] == "/"
    assert UserSession.objects.filter(user=user).count() == 0
    assert "_auth_user_id" not in client.session


def test_the_verification_token_also_works_in_the_path(client, user_factory):
    from core.accounts.services.registration import email_verification_token

    user = user_factory(email_verified_at=None)

    response = client.get(f"/accounts/verify-email/{email_verification_token(user=user)}/")

    assert response.status_code == 200
    assert User.objects.get(pk=user.pk).email_verified_at is not None
