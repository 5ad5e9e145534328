"""Device and provisioning HTTP routes (mounted under /api/v1/water/ by water.meters.api).

Device routes authenticate the meter by its request signature (`DeviceSignature`), not a
user: their access policy is public for people and the signature decides. Enrolment is
public and rate limited like sign-in. No ``from __future__ import annotations``: ninja reads
the annotations at import.
"""

import time
from datetime import UTC
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from core.accounts.models import User
from core.accounts.permissions import access
from core.accounts.roles import Role
from core.api.throttling import login_rate_limit
from water.billing.inputs import ReadingInput
from water.meters.devices import provisioning
from water.meters.devices.auth import DeviceRateLimit, DeviceSignature
from water.meters.devices.ingestion import device_readings_ingest, device_seen
from water.meters.devices.schemas import (
    AckIn,
    AckOut,
    CommandsOut,
    EnrolIn,
    EnrolOut,
    ProvisioningTokenOut,
    ReadingsIn,
    ReadingsOut,
)
from water.meters.models import Meter, ReadingSource
from water.valves.delivery import command_ack, commands_take

router = Router(tags=["water: devices"])
PROVISIONERS = {Role.SUPERADMIN, Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR}
DEVICE_AUTH = DeviceSignature()


def _meter(request: HttpRequest) -> Meter:
    return request.auth  # type: ignore[attr-defined,no-any-return]


@router.post(
    "/tenants/{tenant_id}/meters/{meter_id}/provisioning-token",
    response={201: ProvisioningTokenOut},
    summary="Issue a single-use provisioning token for a registered meter (valid 24 h)",
)
@access(roles=PROVISIONERS, tenant_kwarg="tenant_id")
def provisioning_token_create(request: HttpRequest, tenant_id: int, meter_id: int) -> Status[Any]:
    user: User = request.user  # type: ignore[assignment]
    issued = provisioning.provisioning_token_create(
        actor=user, tenant_id=tenant_id, meter_id=meter_id
    )
    return Status(
        201, {"token": issued.token, "expires_at": issued.expires_at, "meter_id": issued.meter_id}
    )


@router.post(
    "/devices/enrol",
    auth=None,
    throttle=login_rate_limit("device-enrol"),
    response=EnrolOut,
    summary="Enrol a meter with its provisioning token; returns its device key once",
)
@access(public=True)
def device_enrol(request: HttpRequest, payload: EnrolIn) -> dict[str, Any]:
    enrolment = provisioning.device_enrol(serial=payload.serial, token=payload.token)
    return {
        "meter_id": enrolment.meter_id,
        "key_id": enrolment.key_id,
        "device_key": enrolment.device_key,
        "topics": enrolment.topics,
        "server_time": int(time.time()),
    }


@router.post(
    "/devices/readings",
    auth=DEVICE_AUTH,
    throttle=[DeviceRateLimit()],
    response=ReadingsOut,
    summary="A signed batch of 1–500 readings from the calling meter",
)
@access(public=True)
def device_readings(request: HttpRequest, payload: ReadingsIn) -> dict[str, Any]:
    readings = [
        ReadingInput(
            taken_at=item.taken_at.astimezone(UTC),
            register_litres=item.register_litres,
            flow_lpm=item.flow_lpm,
            battery_pct=item.battery_pct,
            signal_dbm=item.signal_dbm,
            flags=tuple(item.flags),
        )
        for item in payload.readings
    ]
    result = device_readings_ingest(
        meter=_meter(request), readings=readings, source=ReadingSource.HTTP
    )
    return {
        "accepted": result.applied.accepted,
        "duplicates": result.applied.duplicates,
        "balance_idr": result.applied.balance_idr,
        "valve": {"state": result.valve_state, "pending_command": result.pending_command},
    }


@router.get(
    "/devices/commands",
    auth=DEVICE_AUTH,
    throttle=[DeviceRateLimit()],
    response=CommandsOut,
    summary="The calling meter's pending valve commands, by priority (each marked sent)",
)
@access(public=True)
def device_commands(request: HttpRequest) -> dict[str, Any]:
    meter = _meter(request)
    device_seen(meter=meter)
    commands = commands_take(meter=meter)
    return {
        "commands": [
            {
                "id": c.pk,
                "kind": c.kind,
                "priority": c.priority,
                "attempt": c.attempts,
                "expires_at": c.expires_at,
            }
            for c in commands
        ]
    }


@router.post(
    "/devices/commands/{command_id}/ack",
    auth=DEVICE_AUTH,
    throttle=[DeviceRateLimit()],
    response=AckOut,
    summary="The calling meter's answer to a command, with the valve state it now has",
)
@access(public=True)
def device_command_ack(request: HttpRequest, command_id: int, payload: AckIn) -> dict[str, Any]:
    meter = _meter(request)
    device_seen(meter=meter)
    command = command_ack(
        meter=meter,
        command_id=command_id,
        status=payload.status,
        valve_state=payload.valve_state,
        notes=payload.notes,
    )
    return {"id": command.pk, "status": command.status, "attempts": command.attempts}
