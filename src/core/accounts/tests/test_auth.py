"""Sign-in service: credentials, throttling, second factor, failure-burst alerts."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.core import mail
from django.utils import translation

from core.accounts.errors import (
    AccountInactive,
    EmailNotVerified,
    InvalidCredentials,
    InvalidOtp,
    MfaRequired,
)
from core.accounts.services.auth import (
    auth_authenticate,
    auth_verify_second_factor,
    login_succeeded,
)
from core.audit import actions
from core.audit.models import AuditEvent
from core.errors import RateLimited

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English whatever an earlier request activated."""
    with translation.override("en"):
        yield


IP = "203.0.113.7"


def _next_step_code(secret: str) -> str:
    """A code for the next 30-second step (enrolment already spent the current one)."""
    return pyotp.TOTP(secret).at(int(time.time()) + 30)


def test_authenticate_returns_the_user_for_the_right_password(user_factory, password):
    user = user_factory(email="agus@example.id")

    outcome = auth_authenticate(email="AGUS@example.id", password=password, otp=None, ip=IP)

    assert (outcome.user.pk, outcome.mfa_passed) == (user.pk, False)


def test_authenticate_gives_the_same_error_for_unknown_email_and_wrong_password(user_factory):
    user_factory(email="agus@example.id")

    with pytest.raises(InvalidCredentials) as unknown:
        auth_authenticate(email="nobody@example.id", password="Whatever-1!", otp=None, ip=IP)
    with pytest.raises(InvalidCredentials) as wrong:
        auth_authenticate(email="agus@example.id", password="Whatever-1!", otp=None, ip=IP)

    assert (unknown.value.code, unknown.value.message) == (wrong.value.code, wrong.value.message)
    assert list(
        AuditEvent.objects.filter(action=actions.LOGIN_FAILED).values_list("data", flat=True)
    ) == [{"reason": "unknown_email"}, {"reason": "bad_password"}]


def test_authenticate_refuses_inactive_and_unverified_accounts(user_factory, password):
    user_factory(email="off@example.id", is_active=False)
    user_factory(email="new@example.id", email_verified_at=None)

    with pytest.raises(AccountInactive):
        auth_authenticate(email="off@example.id", password=password, otp=None, ip=IP)
    with pytest.raises(EmailNotVerified):
        auth_authenticate(email="new@example.id", password=password, otp=None, ip=IP)


def test_the_sixth_attempt_in_a_minute_is_throttled_even_with_the_right_password(
    user_factory, password
):
    user_factory(email="agus@example.id")
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            auth_authenticate(email="agus@example.id", password="Wrong-pass-1!", otp=None, ip=IP)

    with pytest.raises(RateLimited) as caught:
        auth_authenticate(email="agus@example.id", password=password, otp=None, ip=IP)

    assert caught.value.status == 429
    assert 1 <= caught.value.retry_after <= 60
    assert AuditEvent.objects.filter(action=actions.LOGIN_THROTTLED).count() == 1


def test_an_enrolled_user_needs_a_code_unless_the_web_asks_for_step_one_only(
    user_factory, password, mfa_enrol
):
    user = user_factory(email="staff@example.id")
    secret, _codes = mfa_enrol(user)

    with pytest.raises(MfaRequired):
        auth_authenticate(email=user.email, password=password, otp=None, ip=IP)
    step_one = auth_authenticate(
        email=user.email, password=password, otp=None, ip=IP, require_otp_if_enrolled=False
    )
    with_code = auth_authenticate(
        email=user.email, password=password, otp=_next_step_code(secret), ip=IP
    )

    assert (step_one.mfa_passed, with_code.mfa_passed) == (False, True)


def test_second_factor_refuses_a_wrong_code_and_audits_it(user_factory, mfa_enrol):
    user = user_factory()
    mfa_enrol(user)

    with pytest.raises(InvalidOtp):
        auth_verify_second_factor(user=user, code="000000", ip=IP)

    assert list(
        AuditEvent.objects.filter(action=actions.LOGIN_FAILED).values_list("data", flat=True)
    ) == [{"reason": "bad_otp"}]


def test_a_burst_of_failures_emails_the_owner_exactly_once(
    user_factory, settings, django_capture_on_commit_callbacks
):
    settings.RATE_LIMIT_LOGIN = "100/60"
    user_factory(email="owner@example.id", language="id")

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(settings.LOGIN_FAILURE_ALERT_THRESHOLD + 3):
            with pytest.raises(InvalidCredentials):
                auth_authenticate(email="owner@example.id", password="Wrong-1!", otp=None, ip=IP)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.id"]
    assert "5" in mail.outbox[0].body
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_a_successful_sign_in_resets_the_failure_count(
    user_factory, password, settings, django_capture_on_commit_callbacks
):
    settings.RATE_LIMIT_LOGIN = "100/60"
    user = user_factory(email="owner@example.id")
    threshold = settings.LOGIN_FAILURE_ALERT_THRESHOLD

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(threshold - 1):
            with pytest.raises(InvalidCredentials):
                auth_authenticate(email=user.email, password="Wrong-1!", otp=None, ip=IP)
        login_succeeded(user=user, channel="web")
        for _ in range(threshold - 1):
            with pytest.raises(InvalidCredentials):
                auth_authenticate(email=user.email, password="Wrong-1!", otp=None, ip=IP)

    assert mail.outbox == []
