"""Signing in: credentials, throttling, MFA, failure-burst alerts. Shared by web and API."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core.accounts import events
from core.accounts.errors import (
    AccountInactive,
    EmailNotVerified,
    InvalidCredentials,
    InvalidOtp,
    MfaRequired,
)
from core.accounts.models import KnownDevice, User, normalise_email
from core.accounts.services.mfa import mfa_verify
from core.api import ratelimit
from core.audit import actions
from core.audit.services import audit_record
from core.errors import RateLimited
from core.notifications.services import notify
from core.ops.context import current_request_meta
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
    """Record a completed sign-in, clear the failure counter, announce a new device."""
    cache.delete(f"login-failures:{user.pk}")
    record_login("succeeded")
    with transaction.atomic():
        audit_record(action=actions.LOGIN_SUCCEEDED, actor=user, data={"channel": channel})
        _note_device(user, channel)


def device_label(user_agent: str) -> str:
    """ "Chrome on Android", "Firefox on Windows", or the agent's first word."""
    agent = user_agent or ""
    browsers = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    systems = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    browser = next((name for token, name in browsers if token in agent), None)
    system = next((name for token, name in systems if token in agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (agent.split("/")[0].strip()[:60] or "an unknown device")


def _note_device(user: User, channel: str) -> None:
    """Remember the device; when it is new (and not the account's first), tell the owner."""
    meta = current_request_meta()
    fingerprint = hashlib.sha256(f"{channel}|{meta.user_agent}".encode()).hexdigest()
    now = timezone.now()
    first_ever = not KnownDevice.objects.filter(user=user).exists()
    label = device_label(meta.user_agent)
    device, created = KnownDevice.objects.get_or_create(
        user=user, fingerprint=fingerprint, defaults={"label": label[:120]}
    )
    if not created:
        KnownDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
        return
    if first_ever:
        return
    notify(
        user,
        events.NEW_DEVICE_LOGIN,
        {"device": label, "ip": meta.ip or "?", "signed_in_at": now.isoformat()},
        link="/accounts/sessions/",
    )
