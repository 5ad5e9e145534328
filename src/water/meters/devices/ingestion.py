"""Applying what a device reports: readings to billing, telemetry to the meter, alerts.

Shared by the HTTP endpoint and the MQTT consumer: one call per meter per batch, in one
transaction. Billing (`readings_apply`) stores the readings and moves money; this module adds
what only the device layer knows: when the meter was last heard, its battery and signal, and
the alerts the device itself raised (low battery, tamper, door open). Billing already
stores battery and signal of the newest reading and raises REVERSE_FLOW (for a register
that went backwards and for the device's "reverse_flow" flag), so neither is repeated here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from water.billing.inputs import ApplyResult, ReadingInput
from water.billing.services import readings_apply
from water.meters.models import Meter, Reading
from water.valves.delivery import command_next_pending
from water.valves.models import AlertKind, AlertSeverity
from water.valves.services import alert_raise, alert_resolve_kind

LOW_BATTERY_PCT = 20
FLAG_ALERTS = {
    "tamper": (AlertKind.TAMPER, AlertSeverity.CRITICAL, "The meter reports tampering."),
    "door_open": (AlertKind.TAMPER, AlertSeverity.CRITICAL, "The meter housing was opened."),
}


@dataclass(frozen=True)
class IngestResult:
    """Billing's answer plus the valve as the device should now see it."""

    applied: ApplyResult
    valve_state: str
    pending_command: str | None


def _new_readings(meter: Meter, readings: Sequence[ReadingInput]) -> list[ReadingInput]:
    """The readings not stored before this batch (redeliveries raise no second alert)."""
    stored = set(
        Reading.objects.filter(
            meter=meter, taken_at__in=[r.taken_at for r in readings]
        ).values_list("taken_at", flat=True)
    )
    fresh: dict[object, ReadingInput] = {}
    for reading in readings:
        if reading.taken_at not in stored:
            fresh.setdefault(reading.taken_at, reading)
    return sorted(fresh.values(), key=lambda r: r.taken_at)


def _telemetry_alerts(meter: Meter, fresh: list[ReadingInput]) -> None:
    raised: set[str] = set()
    for reading in fresh:
        for flag in reading.flags:
            if flag not in FLAG_ALERTS:
                continue
            kind, severity, message = FLAG_ALERTS[flag]
            if kind in raised:
                continue
            raised.add(kind)
            alert_raise(
                meter=meter,
                kind=kind,
                severity=severity,
                message=message,
                data={"flag": flag, "taken_at": reading.taken_at.isoformat()},
            )
    batteries = [r.battery_pct for r in fresh if r.battery_pct is not None]
    if batteries and batteries[-1] < LOW_BATTERY_PCT:
        alert_raise(
            meter=meter,
            kind=AlertKind.LOW_BATTERY,
            message=f"Battery at {batteries[-1]} %.",
            data={"battery_pct": batteries[-1]},
        )
    elif batteries:
        alert_resolve_kind(meter=meter, kind=AlertKind.LOW_BATTERY)


def device_readings_ingest(
    *, meter: Meter, readings: Sequence[ReadingInput], source: str
) -> IngestResult:
    """Bill the readings, record when the meter was heard, raise the device's alerts.

    Readings already stored (same meter and instant) are counted as duplicates by billing
    and change nothing, and raise no alert a second time.
    """
    now = timezone.now()
    with transaction.atomic():
        fresh = _new_readings(meter, readings)
        applied = readings_apply(meter=meter, readings=readings, source=source)
        Meter.objects.filter(pk=meter.pk).update(last_seen_at=now, updated_at=now)
        alert_resolve_kind(meter=meter, kind=AlertKind.OFFLINE)
        _telemetry_alerts(meter, fresh)
        valve_state = Meter.objects.values_list("valve_state", flat=True).get(pk=meter.pk)
        pending = command_next_pending(meter=meter)
    return IngestResult(
        applied=applied,
        valve_state=valve_state,
        pending_command=pending.kind if pending is not None else None,
    )


def device_seen(*, meter: Meter) -> None:
    """Record that the meter was heard from (a command poll or an ack)."""
    now = timezone.now()
    with transaction.atomic():
        Meter.objects.filter(pk=meter.pk).update(last_seen_at=now, updated_at=now)
        alert_resolve_kind(meter=meter, kind=AlertKind.OFFLINE)
