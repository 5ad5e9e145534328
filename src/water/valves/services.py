"""Queueing valve commands and raising alerts; delivery belongs to the ingestion processes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.audit.services import audit_record
from core.errors import NotFound
from core.realtime.services import Event, publish_many
from water.errors import InvalidTransition
from water.meters.models import Meter
from water.valves import signals
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
LIVE_VALVE = "water.valve"
LIVE_ALERT = "water.alert"


def valve_commands_publish(commands: Iterable[ValveCommand]) -> None:
    """Tell open pages about commands whose status changed: `water.valve` to the meter's
    tenant staff and its customer's portal user, with the valve state as stored now.

    Inside the caller's transaction; one query for the meters, one bulk insert.
    """
    commands = list(commands)
    if not commands:
        return
    meters = {
        pk: (state, user_id)
        for pk, state, user_id in Meter.objects.filter(
            pk__in={c.meter_id for c in commands}
        ).values_list("pk", "valve_state", "customer__user_id")
    }
    publish_many(
        Event(
            LIVE_VALVE,
            {
                "meter_id": c.meter_id,
                "valve_state": meters[c.meter_id][0],
                "command_id": c.pk,
                "status": c.status,
            },
            users=_present(meters[c.meter_id][1]),
            tenants=[c.tenant_id],
        )
        for c in commands
    )


def _present(user_id: int | None) -> list[int]:
    return [] if user_id is None else [user_id]


def _alerts_publish(alerts: Iterable[tuple[int, int, int, str]], status: str) -> None:
    """`water.alert` for (alert id, meter id, tenant id, kind) rows, to the tenant's staff."""
    publish_many(
        Event(
            LIVE_ALERT,
            {"alert_id": pk, "meter_id": meter_id, "kind": kind, "status": status},
            tenants=[tenant_id],
        )
        for pk, meter_id, tenant_id, kind in alerts
    )


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
        superseded: list[ValveCommand] = []
        if kind in (CommandKind.OPEN, CommandKind.CLOSE):
            superseded = list(open_commands.filter(kind__in=(CommandKind.OPEN, CommandKind.CLOSE)))
        if superseded:
            open_commands.filter(pk__in=[c.pk for c in superseded]).update(
                status=CommandStatus.CANCELLED,
                finished_at=now,
                response={"cancelled_by": "a newer command"},
            )
            for old in superseded:
                old.status = CommandStatus.CANCELLED
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
        valve_commands_publish([*superseded, command])
    return command


def alert_raise(
    *,
    meter: Meter,
    kind: str,
    severity: str = AlertSeverity.WARNING,
    message: str,
    data: dict[str, Any] | None = None,
) -> Alert:
    """Open an alert, or count another occurrence of the one already open for this kind.

    A new alert is published live (`water.alert`) and sends `signals.alert_raised` after
    commit; a repeat occurrence does neither.
    """
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
        alert = Alert.objects.create(
            tenant_id=meter.tenant_id,
            meter=meter,
            kind=kind,
            severity=severity,
            message=message[:300],
            data=data or {},
        )
        _alerts_publish([(alert.pk, meter.pk, meter.tenant_id, kind)], AlertStatus.OPEN)
        transaction.on_commit(
            lambda: signals.alert_raised.send(
                sender=Alert,
                alert_id=alert.pk,
                meter_id=meter.pk,
                tenant_id=meter.tenant_id,
                kind=kind,
            )
        )
    return alert


def alert_resolve_kind(*, meter: Meter, kind: str) -> int:
    """Resolve the meter's open alert of this kind when its cause is gone (e.g. a top-up)."""
    now = timezone.now()
    resolved = (
        Alert.objects.filter(meter=meter, kind=kind)
        .exclude(status=AlertStatus.RESOLVED)
        .update(status=AlertStatus.RESOLVED, resolved_at=now)
    )
    if resolved:  # the common call resolves nothing and costs one statement
        ids = Alert.objects.filter(
            meter=meter, kind=kind, status=AlertStatus.RESOLVED, resolved_at=now
        ).values_list("pk", flat=True)
        _alerts_publish([(pk, meter.pk, meter.tenant_id, kind) for pk in ids], AlertStatus.RESOLVED)
    return resolved


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
        valve_commands_publish([command])
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
        _alerts_publish(
            [(alert.pk, alert.meter_id, tenant_id, alert.kind)], AlertStatus.ACKNOWLEDGED
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
        _alerts_publish([(alert.pk, alert.meter_id, tenant_id, alert.kind)], AlertStatus.RESOLVED)
    return alert
