"""Profile, password, password reset and two-step verification pages."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.core import mail
from django.db import connection

from core.accounts.models import MFADevice, RecoveryCode, User, UserSession
from core.accounts.roles import Role
from core.accounts.views.mfa import NEW_CODES_KEY

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Brand-New-Pass-9?"


def _sign_in(client, user, password):
    client.post("/accounts/login/", {"email": user.email, "password": password})


def test_profile_update_stores_the_phone_encrypted(client, user_factory, password):
    user = user_factory(full_name="Agus")
    _sign_in(client, user, password)

    response = client.post(
        "/accounts/profile/",
        {"full_name": "Agus Pratama", "phone": "+62 812 3456 7890", "language": "es"},
    )

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
        raw = cursor.fetchone()[0]
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert response.cookies["django_language"].value == "es"
    assert raw.startswith("t1$")
    assert User.objects.get(pk=user.pk).phone == "+6281234567890"


def test_profile_with_a_bad_phone_shows_the_error_and_changes_nothing(
    client, user_factory, password
):
    user = user_factory(full_name="Agus")
    _sign_in(client, user, password)

    response = client.post(
        "/accounts/profile/", {"full_name": "Changed", "phone": "12345", "language": "en"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == [
        "Enter the phone number in international format, e.g. +62 812 3456 7890."
    ]
    assert User.objects.get(pk=user.pk).full_name == "Agus"


def test_password_change_with_a_wrong_current_password_changes_nothing(
    client, user_factory, password
):
    user = user_factory()
    _sign_in(client, user, password)

    response = client.post(
        "/accounts/password/",
        {"old_password": "Not-it-1!", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["old_password"] == ["The current password is incorrect."]
    assert User.objects.get(pk=user.pk).check_password(password)


def test_password_change_keeps_this_browser_and_signs_out_the_others(
    client, user_factory, password
):
    from django.test import Client

    user = user_factory()
    other = Client()
    _sign_in(other, user, password)
    _sign_in(client, user, password)

    response = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert client.get("/accounts/profile/").status_code == 200
    assert other.get("/accounts/profile/").status_code == 302
    assert list(UserSession.objects.filter(user=user).values_list("session_key", flat=True)) == [
        client.session.session_key
    ]


def test_password_reset_by_email_works_once(
    client, user_factory, django_capture_on_commit_callbacks
):
    user = user_factory(email="agus@example.id")
    with django_capture_on_commit_callbacks(execute=True):
        requested = client.post("/accounts/password/reset/", {"email": "agus@example.id"})
    path = re.search(r"/accounts/password/reset/[^/\s]+/[^/\s]+/", mail.outbox[0].body).group(0)

    form = client.get(path)
    done = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    reused_get = client.get(path)
    reused_post = client.post(
        path, {"new_password1": "Other-Pass-7?", "new_password2": "Other-Pass-7?"}
    )

    assert requested["Location"] == "/accounts/password/reset/sent/"
    assert form.status_code == 200
    assert done["Location"] == "/accounts/login/"
    assert (reused_get.status_code, reused_post.status_code) == (400, 400)
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)


def test_password_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "nobody@example.id"})

    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_mfa_enrolment_shows_an_inline_qr_then_the_codes_once(client, user_factory, password):
    user = user_factory()
    _sign_in(client, user, password)

    page = client.get("/accounts/mfa/")
    secret = MFADevice.objects.get(user=user).secret
    again = client.get("/accounts/mfa/")
    confirmed = client.post("/accounts/mfa/", {"code": pyotp.TOTP(secret).now()})
    codes_page = client.get("/accounts/mfa/recovery-codes/")
    codes_again = client.get("/accounts/mfa/recovery-codes/")

    content = page.content.decode()
    assert page.status_code == 200
    assert '<svg class="qr-code" role="img"' in content
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in content
    assert "http" not in content.split('<svg class="qr-code"')[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    )
    assert MFADevice.objects.get(user=user).secret == secret  # reload reuses the pending device
    assert again.status_code == 200
    assert confirmed["Location"] == "/accounts/mfa/recovery-codes/"
    assert len(codes_page.context["codes"]) == 10
    assert codes_again.context["codes"] is None
    assert NEW_CODES_KEY not in client.session
    assert User.objects.get(pk=user.pk).mfa_enabled is True


def test_mfa_enrolment_with_a_wrong_code_stays_off(client, user_factory, password):
    user = user_factory()
    _sign_in(client, user, password)
    client.get("/accounts/mfa/")

    response = client.post("/accounts/mfa/", {"code": "000000"})

    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert User.objects.get(pk=user.pk).mfa_enabled is False


def test_recovery_codes_are_regenerated_with_the_password(
    client, user_factory, password, mfa_enrol
):
    user = user_factory()
    _secret, old = mfa_enrol(user)
    _sign_in(client, user, password)
    client.post("/accounts/login/verify/", {"code": old[0]})

    refused = client.post("/accounts/mfa/recovery-codes/", {"password": "Wrong-pass-1!"})
    accepted = client.post("/accounts/mfa/recovery-codes/", {"password": password})
    shown = client.get("/accounts/mfa/recovery-codes/")

    assert refused.status_code == 200
    assert accepted.status_code == 302
    assert len(shown.context["codes"]) == 10
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 10


def test_staff_cannot_switch_mfa_off(client, user_factory, membership_factory, password, mfa_enrol):
    user = user_factory()
    membership_factory(user=user, role=Role.DISPATCHER)
    secret, _codes = mfa_enrol(user)
    _sign_in(client, user, password)
    client.post("/accounts/login/verify/", {"code": pyotp.TOTP(secret).at(int(time.time()) + 30)})

    page = client.get("/accounts/mfa/")
    response = client.post("/accounts/mfa/disable/", {"password": password})

    assert b'action="/accounts/mfa/disable/"' not in page.content
    assert response.status_code == 403
    assert User.objects.get(pk=user.pk).mfa_enabled is True


def test_a_customer_switches_mfa_off_with_the_password(
    client, user_factory, membership_factory, password, mfa_enrol
):
    user = user_factory()
    membership_factory(user=user, role=Role.CUSTOMER)
    _secret, codes = mfa_enrol(user)
    _sign_in(client, user, password)
    client.post("/accounts/login/verify/", {"code": codes[0]})

    refused = client.post("/accounts/mfa/disable/", {"password": "Wrong-pass-1!"})
    assert refused.status_code == 400
    assert User.objects.get(pk=user.pk).mfa_enabled is True

    accepted = client.post("/accounts/mfa/disable/", {"password": password})
    assert accepted["Location"] == "/accounts/mfa/"
    assert User.objects.get(pk=user.pk).mfa_enabled is False


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/profile/",
        "/accounts/password/",
        "/accounts/sessions/",
        "/accounts/mfa/",
        "/accounts/mfa/recovery-codes/",
    ],
)
def test_account_pages_redirect_signed_out_visitors_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"
