"""Provisioning tokens (issued by client staff) and device enrolment (done by the meter)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.audit.services import audit_record
from core.errors import NotFound
from water.errors import DeviceAuthFailed, InvalidTransition
from water.meters.devices import protocol
from water.meters.models import Meter, MeterStatus, ProvisioningToken

TOKEN_LIFETIME = timedelta(hours=24)
TOKEN_CREATED_AUDITED = "water.provisioning_token_created"  # noqa: S105 (an action name)
DEVICE_ENROLLED_AUDITED = "water.device_enrolled"


def token_hash(token: str) -> str:
    """Hex SHA-256 of a provisioning token: the only form in which it is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new provisioning token in clear (shown once) and when it stops working."""

    token: str
    expires_at: datetime
    meter_id: int


@dataclass(frozen=True)
class Enrolment:
    """What an enrolled device receives once: its key id, its key and its topics."""

    meter_id: int
    serial: str
    key_id: str
    device_key: str

    @property
    def topics(self) -> dict[str, str]:
        return {
            "readings": protocol.readings_topic(self.serial),
            "acks": protocol.acks_topic(self.serial),
            "commands": protocol.commands_topic(self.serial),
        }


def provisioning_token_issue(
    *, meter: Meter, actor: User | None, lifetime: timedelta = TOKEN_LIFETIME
) -> IssuedToken:
    """Issue a single-use token that lets this meter's device enrol (`actor` None: a tool).

    Earlier unused tokens of the meter stop working, so only the newest one is valid.
    """
    now = timezone.now()
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        locked = Meter.objects.select_for_update().filter(pk=meter.pk).first()
        if locked is None:
            raise NotFound("Not found.")
        if locked.status == MeterStatus.RETIRED:
            raise InvalidTransition("A retired meter cannot be enrolled.")
        ProvisioningToken.objects.filter(
            meter=locked, used_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        row = ProvisioningToken.objects.create(
            tenant_id=locked.tenant_id,
            token_hash=token_hash(token),
            meter=locked,
            created_by=actor,
            expires_at=now + lifetime,
        )
        audit_record(
            action=TOKEN_CREATED_AUDITED,
            actor=actor,
            actor_email="" if actor is not None else "meter-simulator",
            tenant=locked.tenant_id,
            target=locked,
            data={"meter": locked.serial, "expires_at": row.expires_at.isoformat()},
        )
    return IssuedToken(token=token, expires_at=row.expires_at, meter_id=locked.pk)


def provisioning_token_create(
    *, actor: User, tenant_id: int, meter_id: int, lifetime: timedelta = TOKEN_LIFETIME
) -> IssuedToken:
    """Issue a provisioning token for a meter of this tenant (another tenant's: NotFound)."""
    meter = Meter.objects.filter(pk=meter_id, tenant_id=tenant_id).first()
    if meter is None:
        raise NotFound("Not found.")
    return provisioning_token_issue(meter=meter, actor=actor, lifetime=lifetime)


def device_enrol(*, serial: str, token: str) -> Enrolment:
    """Spend a provisioning token and give the meter a new device key (the old one dies).

    A reused, expired or unknown token, or one issued for another serial, raises
    DeviceAuthFailed and changes nothing.
    """
    now = timezone.now()
    with transaction.atomic():
        row = (
            ProvisioningToken.objects.select_related("meter")
            .filter(token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if row is None or row.meter.serial != serial or row.meter.status == MeterStatus.RETIRED:
            raise DeviceAuthFailed()
        # The conditional update is the single-use guarantee, on every database engine.
        spent = ProvisioningToken.objects.filter(pk=row.pk, used_at__isnull=True).update(
            used_at=now
        )
        if spent != 1:
            raise DeviceAuthFailed()
        meter = Meter.objects.select_for_update().get(pk=row.meter_id)
        key = protocol.new_device_key()
        meter.device_key = protocol.encode_key(key)
        meter.device_key_id = f"k{secrets.token_hex(12)}"
        meter.save(update_fields=["device_key", "device_key_id", "updated_at"])
        audit_record(
            action=DEVICE_ENROLLED_AUDITED,
            tenant=meter.tenant_id,
            target=meter,
            data={"meter": meter.serial, "key_id": meter.device_key_id},
            actor_email=f"device:{meter.serial}",
        )
    return Enrolment(
        meter_id=meter.pk,
        serial=meter.serial,
        key_id=meter.device_key_id,
        device_key=meter.device_key,
    )
