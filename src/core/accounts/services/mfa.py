"""TOTP multi-factor authentication: enrolment, verification, recovery codes, admin reset."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.accounts import events
from core.accounts.models import MFADevice, RecoveryCode, User
from core.audit import actions
from core.audit.services import audit_record
from core.notifications.services import notify
from core.tenancy.models import Tenant

TOTP_STEP = 30
TOTP_DRIFT_STEPS = 1  # accept the previous and next 30-second step for clock drift


def _hash_code(code: str) -> str:
    normalised = code.replace("-", "").replace(" ", "").lower()
    return hashlib.sha256(f"{settings.SECRET_KEY}:{normalised}".encode()).hexdigest()


def _matching_step(secret: str, code: str, now: float) -> int | None:
    totp = pyotp.TOTP(secret, interval=TOTP_STEP)
    current = int(now // TOTP_STEP)
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * TOTP_STEP), code):
            return step
    return None


def mfa_provisioning_uri(*, user: User, device: MFADevice) -> str:
    """The otpauth:// URI an authenticator app scans (shown as a QR code)."""
    return pyotp.TOTP(device.secret, interval=TOTP_STEP).provisioning_uri(
        name=user.email, issuer_name=settings.MFA_ISSUER
    )


def mfa_enrolment_start(*, user: User) -> MFADevice:
    """Create (or reuse) the user's unconfirmed device with a fresh secret."""
    with transaction.atomic():
        user.mfa_devices.filter(confirmed_at__isnull=True).delete()
        return MFADevice.objects.create(user=user, secret=pyotp.random_base32())


def mfa_enrolment_confirm(*, user: User, device_id: int, code: str) -> list[str] | None:
    """Confirm enrolment with a first code; returns new recovery codes, or None if wrong."""
    code = code.strip().replace(" ", "")
    with transaction.atomic():
        device = (
            MFADevice.objects.select_for_update()
            .filter(pk=device_id, user=user, confirmed_at__isnull=True)
            .first()
        )
        if device is None:
            return None
        step = _matching_step(device.secret, code, time.time())
        if step is None:
            return None
        user.mfa_devices.exclude(pk=device.pk).delete()
        device.confirmed_at = timezone.now()
        device.last_used_step = step
        device.save(update_fields=["confirmed_at", "last_used_step"])
        codes = _replace_recovery_codes(user)
        audit_record(action=actions.MFA_ENABLED, actor=user, target=user)
        notify(user, events.MFA_ENABLED, link="/accounts/mfa/")
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    user.recovery_codes.all().delete()
    codes = [
        f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(settings.MFA_RECOVERY_CODES)
    ]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=_hash_code(code)) for code in codes]
    )
    return codes


def mfa_recovery_codes_regenerate(*, user: User) -> list[str]:
    """Invalidate every old recovery code and issue a new set."""
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
        audit_record(action=actions.MFA_RECOVERY_CODES_GENERATED, actor=user, target=user)
        notify(user, events.MFA_RECOVERY_CODES, link="/accounts/mfa/")
    return codes


def mfa_verify(*, user: User, code: str) -> bool:
    """Accept a current TOTP code (each time step once) or an unused recovery code."""
    code = code.strip().replace(" ", "")
    if not code:
        return False
    with transaction.atomic():
        device = (
            MFADevice.objects.select_for_update()
            .filter(user=user, confirmed_at__isnull=False)
            .first()
        )
        if device is None:
            return False
        if code.isdigit() and len(code) == 6:
            step = _matching_step(device.secret, code, time.time())
            if step is None or step <= device.last_used_step:
                return False
            device.last_used_step = step
            device.save(update_fields=["last_used_step"])
            return True
        recovery = (
            RecoveryCode.objects.select_for_update()
            .filter(user=user, code_hash=_hash_code(code), used_at__isnull=True)
            .first()
        )
        if recovery is None:
            return False
        recovery.used_at = timezone.now()
        recovery.save(update_fields=["used_at"])
        audit_record(
            action=actions.MFA_RECOVERY_CODE_USED,
            actor=user,
            target=user,
            data={"remaining": user.recovery_codes.filter(used_at__isnull=True).count()},
        )
    return True


def mfa_disable(*, user: User) -> None:
    """Remove the user's authenticator and recovery codes (callers check staff policy)."""
    with transaction.atomic():
        user.mfa_devices.all().delete()
        user.recovery_codes.all().delete()
        audit_record(action=actions.MFA_DISABLED, actor=user, target=user)
        notify(user, events.MFA_DISABLED, link="/accounts/mfa/")


def mfa_reset_by_admin(*, admin: User, user: User, tenant_id: int | None) -> None:
    """An administrator clears a locked-out user's MFA; they must enrol again at next login."""
    with transaction.atomic():
        user.mfa_devices.all().delete()
        user.recovery_codes.all().delete()
        audit_record(action=actions.MFA_RESET_BY_ADMIN, actor=admin, tenant=tenant_id, target=user)
        tenant = Tenant.objects.filter(pk=tenant_id).first() if tenant_id else None
        organisation = tenant.name if tenant else "IndoWater · RoadSide+"
        notify(user, events.MFA_RESET, {"organisation": organisation}, tenant=tenant)
