"""Self-service account lifecycle: registration, email verification, password reset and
change, profile edits and the user's own second factor. Each write is one transaction and
records its audit event inside it.

A registered user holds no membership: roles are granted only by tenant administrators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from core.accounts.errors import InvalidToken, PasswordPolicyError
from core.accounts.models import (
    Language,
    MFADevice,
    RefreshToken,
    User,
    UserSession,
    normalise_email,
)
from core.accounts.services import mail
from core.accounts.services.mfa import (
    mfa_disable,
    mfa_enrolment_start,
    mfa_recovery_codes_regenerate,
)
from core.api import ratelimit
from core.audit import actions
from core.audit.services import audit_record
from core.errors import ApplicationError, PermissionDenied, RateLimited
from core.ops.context import current_request_meta

EMAIL_VERIFY_SALT = "core.accounts.email-verify"
EMAIL_VERIFY_MAX_AGE = 3 * 24 * 60 * 60
# Verification and reset mails per address: enough for a typo, too few to mail-bomb anyone.
MAIL_RATE = ratelimit.Rate(limit=3, window=60 * 60)
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class EmailTaken(ApplicationError):
    code = "email_taken"
    status = 409
    title = "An account with this email address already exists"


class WrongPassword(ApplicationError):
    code = "wrong_password"
    status = 400
    title = "The current password is incorrect"


class InvalidInput(ApplicationError):
    code = "invalid_input"
    status = 422
    title = "Some fields are not valid"


def _check_password_policy(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise PasswordPolicyError(extra={"errors": list(exc.messages)}) from exc


def _mail_allowed(kind: str, email: str) -> bool:
    return ratelimit.hit(f"mail-{kind}", normalise_email(email), MAIL_RATE).allowed


def _registration_throttle_check() -> None:
    """Accounts created per client IP are limited (web form and API alike)."""
    ip = current_request_meta().ip
    if ip is None:
        return  # management commands and tasks have no client
    decision = ratelimit.hit("register-ip", ip, ratelimit.Rate.parse(settings.RATE_LIMIT_REGISTER))
    if not decision.allowed:
        raise RateLimited(
            "Too many accounts were created from this address. Try again later.",
            retry_after=decision.retry_after,
        )


def user_register(*, email: str, password: str, full_name: str, language: str = "en") -> User:
    """Create an unverified user without any role and mail them a verification link."""
    _registration_throttle_check()
    email = normalise_email(email)
    full_name = full_name.strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput("Enter a valid email address.", code="invalid_email") from exc
    if not full_name or len(full_name) > 150:
        raise InvalidInput("Enter your full name (at most 150 characters).", code="invalid_name")
    if language not in Language.values:
        language = Language.ENGLISH
    _check_password_policy(password, User(email=email, full_name=full_name))
    try:
        with transaction.atomic():
            if User.objects.filter(email=email).exists():
                raise EmailTaken()
            user = User.objects.create_user(
                email=email, password=password, full_name=full_name, language=language
            )
            audit_record(action=actions.USER_REGISTERED, actor=user, target=user)
            user_id = user.pk
            transaction.on_commit(lambda: mail.send_verification_email(user_id=user_id))
    except IntegrityError as exc:  # a concurrent registration won the race
        raise EmailTaken() from exc
    return user


def email_verification_token(*, user: User) -> str:
    """A signed token binding the user and the address it was sent to."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=EMAIL_VERIFY_SALT, compress=True)


def email_verify(*, token: str) -> User:
    """Mark the address verified; verifying twice is harmless and returns the same user."""
    try:
        data = signing.loads(token, salt=EMAIL_VERIFY_SALT, max_age=EMAIL_VERIFY_MAX_AGE)
    except signing.BadSignature as exc:  # includes SignatureExpired
        raise InvalidToken("This verification link is invalid or has expired.") from exc
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data.get("u")).first()
        if user is None or user.email != data.get("e"):
            raise InvalidToken("This verification link is invalid or has expired.")
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
            audit_record(action=actions.EMAIL_VERIFIED, actor=user, target=user)
    return user


def verification_resend(*, email: str) -> None:
    """Send a new link to an unverified account; silent for unknown or verified addresses."""
    user = User.objects.filter(email=normalise_email(email), is_active=True).first()
    if user is None or user.email_verified or not _mail_allowed("verify", email):
        return
    user_id = user.pk
    transaction.on_commit(lambda: mail.send_verification_email(user_id=user_id))


def password_reset_request(*, email: str) -> None:
    """Mail a single-use reset link; says nothing about whether the address exists."""
    user = User.objects.filter(email=normalise_email(email), is_active=True).first()
    if user is None or not _mail_allowed("reset", email):
        return
    with transaction.atomic():
        audit_record(action=actions.PASSWORD_RESET_REQUESTED, actor=user, target=user)
        user_id = user.pk
        transaction.on_commit(lambda: mail.send_password_reset_email(user_id=user_id))


def _reset_user(uid: str, token: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def password_reset_token_valid(*, uid: str, token: str) -> bool:
    """Whether a reset link can still be used (to show the form or an expiry notice)."""
    return _reset_user(uid, token) is not None


def _end_other_sessions(user: User, keep_session_key: str | None = None) -> None:
    """A new password signs every other browser out and revokes API refresh tokens."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    rows = UserSession.objects.filter(user=user)
    if keep_session_key:
        rows = rows.exclude(session_key=keep_session_key)
    for key in list(rows.values_list("session_key", flat=True)):
        store(session_key=key).delete()
    rows.delete()
    RefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password from a reset link; the link stops working once used."""
    with transaction.atomic():
        user = _reset_user(uid, token)
        if user is None:
            raise InvalidToken("This password reset link is invalid, used or expired.")
        _check_password_policy(new_password, user)
        user.set_password(new_password)
        fields = ["password"]
        if user.email_verified_at is None:  # the link proved the address is theirs
            user.email_verified_at = timezone.now()
            fields.append("email_verified_at")
        user.save(update_fields=fields)
        _end_other_sessions(user)
        audit_record(action=actions.PASSWORD_RESET_COMPLETED, actor=user, target=user)
    return user


def password_change(
    *, user: User, old_password: str, new_password: str, keep_session_key: str | None = None
) -> None:
    """Replace the password after checking the current one; other sessions are signed out."""
    if not user.check_password(old_password):
        raise WrongPassword()
    _check_password_policy(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _end_other_sessions(user, keep_session_key)
        audit_record(action=actions.PASSWORD_CHANGED, actor=user, target=user)


def phone_normalise(phone: str) -> str:
    """Strip separators and check an international number such as +62 812 3456 7890."""
    compact = _PHONE_SEPARATORS.sub("", phone.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact and not _E164.match(compact):
        raise InvalidInput(
            "Enter the phone number in international format, e.g. +62 812 3456 7890.",
            code="invalid_phone",
        )
    return compact


def profile_update(*, user: User, full_name: str, phone: str, language: str) -> User:
    """Change name, phone (stored encrypted) and preferred language."""
    full_name = full_name.strip()
    if not full_name or len(full_name) > 150:
        raise InvalidInput("Enter your full name (at most 150 characters).", code="invalid_name")
    phone = phone_normalise(phone)
    if language not in Language.values:
        raise InvalidInput("Choose one of the offered languages.", code="invalid_language")
    changed = [
        name
        for name, value in (("full_name", full_name), ("phone", phone), ("language", language))
        if getattr(user, name) != value
    ]
    with transaction.atomic():
        user.full_name, user.phone, user.language = full_name, phone, language
        user.save(update_fields=["full_name", "phone", "language"])
        # Field names only: personal data never enters the audit log.
        audit_record(
            action=actions.PROFILE_UPDATED, actor=user, target=user, data={"fields": changed}
        )
    return user


@dataclass(frozen=True)
class MfaStatus:
    """What the security page shows about the user's second factor."""

    enabled: bool
    confirmed_at: datetime | None
    recovery_codes_left: int
    may_disable: bool


def mfa_status_for(*, user: User) -> MfaStatus:
    """The user's authenticator state; staff may never switch MFA off themselves."""
    device = user.mfa_devices.filter(confirmed_at__isnull=False).first()
    left = user.recovery_codes.filter(used_at__isnull=True).count() if device else 0
    return MfaStatus(
        enabled=device is not None,
        confirmed_at=device.confirmed_at if device else None,
        recovery_codes_left=left,
        may_disable=device is not None and not user.is_staff_member,
    )


def mfa_enrolment_pending(*, user: User, device_id: int | None) -> MFADevice:
    """The unconfirmed device this browser is enrolling, or a fresh one with a new secret."""
    device = None
    if device_id is not None:
        device = user.mfa_devices.filter(pk=device_id, confirmed_at__isnull=True).first()
    return device or mfa_enrolment_start(user=user)


def mfa_self_disable(*, user: User, password: str) -> None:
    """A customer or motorist turns MFA off after re-entering their password."""
    if user.is_staff_member:
        raise PermissionDenied("Staff accounts must keep two-step verification switched on.")
    if not user.mfa_enabled:
        raise InvalidInput("Two-step verification is not switched on.", code="mfa_not_enabled")
    if not user.check_password(password):
        raise WrongPassword()
    mfa_disable(user=user)


def mfa_self_regenerate_codes(*, user: User, password: str) -> list[str]:
    """Issue a new set of recovery codes after re-entering the password; old ones stop working."""
    if not user.mfa_enabled:
        raise InvalidInput("Two-step verification is not switched on.", code="mfa_not_enabled")
    if not user.check_password(password):
        raise WrongPassword()
    return mfa_recovery_codes_regenerate(user=user)
