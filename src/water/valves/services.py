"""Queueing valve commands and raising alerts; delivery belongs to the ingestion processes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.audit.services import audit_record
from core.errors import NotFound
from water.errors import InvalidTransition
from water.meters.models import Meter
from water.valves.models import (
    OPEN_COMMAND_STATUSES,
    Alert,
    AlertKind,
    AlertSeverity,
    AlertStatus,
    CommandKind,
    CommandPriority,
    CommandStatus,
    ValveCommand,
)

COMMAND_LIFETIME = timedelta(hours=24)
VALVE_COMMAND_AUDITED = "water.valve_command_requested"


def valve_command_queue(
    *,
    meter: Meter,
    kind: str,
    reason: str,
    priority: int = CommandPriority.NORMAL,
    requested_by: User | None = None,
    lifetime: timedelta = COMMAND_LIFETIME,
) -> ValveCommand:
    """Queue an open/close/status command, superseding an undelivered opposite one.

    A pending or sent command of the same kind is reused (queuing twice does nothing); an
    undelivered command of the opposite kind is cancelled, since only the latest intent
    matters. Manual commands (with `requested_by`) are audited.
    """
    if kind not in CommandKind.values:
        raise ValueError(f"Unknown valve command {kind!r}.")
    now = timezone.now()
    with transaction.atomic():
        Meter.objects.select_for_update().filter(pk=meter.pk).first()
        open_commands = ValveCommand.objects.filter(meter=meter, status__in=OPEN_COMMAND_STATUSES)
        same = open_commands.filter(kind=kind).first()
        if same is not None:
            return same
        if kind in (CommandKind.OPEN, CommandKind.CLOSE):
            open_commands.filter(kind__in=(CommandKind.OPEN, CommandKind.CLOSE)).update(
                status=CommandStatus.CANCELLED,
                finished_at=now,
                response={"cancelled_by": "a newer command"},
            )
        command = ValveCommand.objects.create(
            tenant_id=meter.tenant_id,
            meter=meter,
            kind=kind,
            priority=priority,
            reason=reason[:200],
            requested_by=requested_by,
            expires_at=now + lifetime,
        )
        if requested_by is not None:
            audit_record(
                action=VALVE_COMMAND_AUDITED,
                actor=requested_by,
                tenant=meter.tenant_id,
                target=command,
                data={"meter": meter.serial, "kind": kind, "reason": reason[:200]},
            )
    return command


def alert_raise(
    *,
    meter: Meter,
    kind: str,
    severity: str = AlertSeverity.WARNING,
    message: str,
    data: dict[str, Any] | None = None,
) -> Alert:
    """Open an alert, or count another occurrence of the one already open for this kind."""
    if kind not in AlertKind.values:
        raise ValueError(f"Unknown alert kind {kind!r}.")
    now = timezone.now()
    with transaction.atomic():
        existing = (
            Alert.objects.select_for_update()
            .filter(meter=meter, kind=kind)
            .exclude(status=AlertStatus.RESOLVED)
            .first()
        )
        if existing is not None:
            existing.occurrences += 1
            existing.last_seen_at = now
            existing.data = {**existing.data, **(data or {})}
            existing.save(update_fields=["occurrences", "last_seen_at", "data"])
            return existing
        return Alert.objects.create(
            tenant_id=meter.tenant_id,
            meter=meter,
            kind=kind,
            severity=severity,
            message=message[:300],
            data=data or {},
        )


def alert_resolve_kind(*, meter: Meter, kind: str) -> int:
    """Resolve the meter's open alert of this kind when its cause is gone (e.g. a top-up)."""
    return (
        Alert.objects.filter(meter=meter, kind=kind)
        .exclude(status=AlertStatus.RESOLVED)
        .update(status=AlertStatus.RESOLVED, resolved_at=timezone.now())
    )


def valve_command_cancel(*, actor: User, tenant_id: int, command_id: int) -> ValveCommand:
    """Cancel a command not yet acknowledged (pending or sent); any other state answers 409."""
    with transaction.atomic():
        command = (
            ValveCommand.objects.select_for_update()
            .filter(pk=command_id, tenant_id=tenant_id)
            .first()
        )
        if command is None:
            raise NotFound("Command not found.")
        if command.status not in OPEN_COMMAND_STATUSES:
            raise InvalidTransition(f"A command that is {command.status} cannot be cancelled.")
        previous = command.status
        command.status = CommandStatus.CANCELLED
        command.finished_at = timezone.now()
        command.response = {**command.response, "cancelled_by": actor.email}
        command.save(update_fields=["status", "finished_at", "response"])
        audit_record(
            action="water.valve_command_cancelled",
            actor=actor,
            tenant=tenant_id,
            target=command,
            data={"meter_id": command.meter_id, "kind": command.kind, "from": previous},
        )
    return command


def _locked_alert(*, tenant_id: int, alert_id: int) -> Alert:
    alert = Alert.objects.select_for_update().filter(pk=alert_id, tenant_id=tenant_id).first()
    if alert is None:
        raise NotFound("Alert not found.")
    return alert


def alert_acknowledge(*, actor: User, tenant_id: int, alert_id: int) -> Alert:
    """Someone is on it: an open alert becomes acknowledged (any other state answers 409)."""
    with transaction.atomic():
        alert = _locked_alert(tenant_id=tenant_id, alert_id=alert_id)
        if alert.status != AlertStatus.OPEN:
            raise InvalidTransition(f"An alert that is {alert.status} cannot be acknowledged.")
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
        audit_record(
            action="water.alert_acknowledged",
            actor=actor,
            tenant=tenant_id,
            target=alert,
            data={"meter_id": alert.meter_id, "kind": alert.kind},
        )
    return alert


def alert_resolve(*, actor: User, tenant_id: int, alert_id: int) -> Alert:
    """Close an open or acknowledged alert; resolving it twice answers 409."""
    with transaction.atomic():
        alert = _locked_alert(tenant_id=tenant_id, alert_id=alert_id)
        if alert.status == AlertStatus.RESOLVED:
            raise InvalidTransition("The alert is already resolved.")
        previous = alert.status
        alert.status = AlertStatus.RESOLVED
        alert.resolved_at = timezone.now()
        alert.save(update_fields=["status", "resolved_at"])
        audit_record(
            action="water.alert_resolved",
            actor=actor,
            tenant=tenant_id,
            target=alert,
            data={"meter_id": alert.meter_id, "kind": alert.kind, "from": previous},
        )
    return alert
