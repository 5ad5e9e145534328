"""Signing in: credentials, throttling, MFA, failure-burst alerts. Shared by web and API."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from core.accounts.errors import (
    AccountInactive,
    EmailNotVerified,
    InvalidCredentials,
    InvalidOtp,
    MfaRequired,
)
from core.accounts.models import User, normalise_email
from core.accounts.services.mfa import mfa_verify
from core.api import ratelimit
from core.audit import actions
from core.audit.services import audit_record
from core.errors import RateLimited
from core.ops.metrics import record_login

FAILURE_BURST_WINDOW = 15 * 60


@dataclass(frozen=True)
class LoginOutcome:
    """A verified user and whether a second factor was presented."""

    user: User
    mfa_passed: bool


@functools.cache
def _dummy_user() -> User:
    """Checked against when the email is unknown, so timing does not reveal which exist."""
    user = User(email="nobody@invalid")
    user.set_password("Dummy-password-1!")  # noqa: S106
    return user


def _account_key(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()[:32]


def login_throttle_check(*, email: str, ip: str) -> None:
    """Count a sign-in attempt per IP and per account; refuse past the login rate."""
    rate = ratelimit.Rate.parse(settings.RATE_LIMIT_LOGIN)
    for scope, ident in (("login-ip", ip), ("login-account", _account_key(email))):
        decision = ratelimit.hit(scope, ident, rate)
        if not decision.allowed:
            record_login("throttled")
            with transaction.atomic():
                audit_record(
                    action=actions.LOGIN_THROTTLED,
                    actor_email=normalise_email(email),
                    data={"scope": scope},
                )
            raise RateLimited(
                "Too many sign-in attempts. Try again shortly.",
                retry_after=decision.retry_after,
            )


def _note_failure(user: User | None, email: str, reason: str) -> None:
    """Audit a failed attempt; on the N-th failure in the window, alert the account owner."""
    record_login("failed")
    with transaction.atomic():
        audit_record(
            action=actions.LOGIN_FAILED,
            actor=user,
            actor_email=normalise_email(email),
            data={"reason": reason},
        )
        if user is None:
            return
        key = f"login-failures:{user.pk}"
        cache.add(key, 0, timeout=FAILURE_BURST_WINDOW)
        failures = cache.incr(key)
        if failures == settings.LOGIN_FAILURE_ALERT_THRESHOLD:
            from core.accounts.services.mail import send_failed_login_alert

            user_id = user.pk
            transaction.on_commit(lambda: send_failed_login_alert(user_id=user_id, count=failures))


def auth_authenticate(
    *, email: str, password: str, otp: str | None, ip: str, require_otp_if_enrolled: bool = True
) -> LoginOutcome:
    """Check throttle, password, account state and (when enrolled) the second factor.

    With `require_otp_if_enrolled=False` (web step one) an enrolled user passes without a
    code and the caller must run the OTP step before completing the login.
    """
    login_throttle_check(email=email, ip=ip)
    user = User.objects.filter(email=normalise_email(email)).first()
    if user is None:
        _dummy_user().check_password(password)
        _note_failure(None, email, "unknown_email")
        raise InvalidCredentials()
    if not user.check_password(password):
        _note_failure(user, email, "bad_password")
        raise InvalidCredentials()
    if not user.is_active:
        raise AccountInactive()
    if not user.email_verified:
        raise EmailNotVerified()
    mfa_passed = False
    if user.mfa_enabled:
        if otp:
            if not mfa_verify(user=user, code=otp):
                _note_failure(user, email, "bad_otp")
                raise InvalidOtp()
            mfa_passed = True
        elif require_otp_if_enrolled:
            raise MfaRequired()
    return LoginOutcome(user=user, mfa_passed=mfa_passed)


def auth_verify_second_factor(*, user: User, code: str, ip: str) -> None:
    """Web step two: check the OTP or recovery code under the same throttle."""
    login_throttle_check(email=user.email, ip=ip)
    if not mfa_verify(user=user, code=code):
        _note_failure(user, user.email, "bad_otp")
        raise InvalidOtp()


def login_succeeded(*, user: User, channel: str) -> None:
    """Record a completed sign-in and clear the failure counter."""
    cache.delete(f"login-failures:{user.pk}")
    record_login("succeeded")
    with transaction.atomic():
        audit_record(action=actions.LOGIN_SUCCEEDED, actor=user, data={"channel": channel})
