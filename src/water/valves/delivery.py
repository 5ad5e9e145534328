"""Valve command delivery: pending → sent → acknowledged / failed / timed out / expired.

A command is handed to the device (HTTP poll or MQTT publish) by moving it from pending to
sent with a conditional update, so two consumers can never deliver the same attempt twice.
A failed or unanswered attempt goes back to pending until `max_attempts` is reached; then
the command ends FAILED or TIMED_OUT and a COMMAND_FAILED alert is raised. A command not
delivered before `expires_at` ends EXPIRED.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from core.errors import NotFound
from water.errors import InvalidTransition
from water.meters.models import Meter, Reading, ReadingSource, ValveState
from water.valves.models import (
    OPEN_COMMAND_STATUSES,
    AlertKind,
    AlertSeverity,
    CommandStatus,
    ValveCommand,
)
from water.valves.services import alert_raise, valve_commands_publish

ACK_TIMEOUT = timedelta(seconds=60)
ACK_STATUSES = (CommandStatus.ACKNOWLEDGED, CommandStatus.FAILED)
PRIORITY_ORDER = ("-priority", "created_at", "pk")


def _expire_overdue(queryset: QuerySet[ValveCommand], now: datetime) -> int:
    return queryset.filter(status__in=OPEN_COMMAND_STATUSES, expires_at__lte=now).update(
        status=CommandStatus.EXPIRED, finished_at=now
    )


def _mark_sent(candidates: Sequence[ValveCommand], now: datetime) -> list[ValveCommand]:
    """Move the candidates from pending to sent; return those this caller moved, in order.

    One conditional UPDATE; the rows stamped with this call's `sent_at` are the ones it
    moved (on PostgreSQL they are also row-locked, so that is all of them).
    """
    ids = [command.pk for command in candidates]
    if not ids:
        return []
    ValveCommand.objects.filter(pk__in=ids, status=CommandStatus.PENDING).update(
        status=CommandStatus.SENT, attempts=F("attempts") + 1, sent_at=now
    )
    moved = dict(
        ValveCommand.objects.filter(pk__in=ids, status=CommandStatus.SENT, sent_at=now).values_list(
            "pk", "attempts"
        )
    )
    sent: list[ValveCommand] = []
    for command in candidates:
        if command.pk in moved:
            command.status = CommandStatus.SENT
            command.attempts = moved[command.pk]
            command.sent_at = now
            sent.append(command)
    return sent


def command_next_pending(*, meter: Meter) -> ValveCommand | None:
    """The command the meter will receive next (pending or awaiting its ack), if any."""
    return (
        ValveCommand.objects.filter(meter=meter, status__in=OPEN_COMMAND_STATUSES)
        .order_by(*PRIORITY_ORDER)
        .first()
    )


def commands_take(*, meter: Meter, limit: int = 10) -> list[ValveCommand]:
    """Hand the meter its pending commands by priority, each marked sent with attempts + 1."""
    now = timezone.now()
    with transaction.atomic():
        _expire_overdue(ValveCommand.objects.filter(meter=meter), now)
        candidates = list(
            ValveCommand.objects.select_for_update()
            .filter(meter=meter, status=CommandStatus.PENDING)
            .order_by(*PRIORITY_ORDER)[:limit]
        )
        return _mark_sent(candidates, now)


def commands_claim_for_mqtt(*, limit: int = 100) -> list[ValveCommand]:
    """Claim pending commands of meters that report over MQTT, to publish them there.

    A meter "reports over MQTT" when its latest reading arrived by MQTT; HTTP meters fetch
    their commands with the poll endpoint instead. Rows locked by another consumer are
    skipped, and the pending → sent update decides who publishes each command.
    """
    now = timezone.now()
    latest_source = Subquery(
        Reading.objects.filter(meter=OuterRef("meter_id"))
        .order_by("-taken_at")
        .values("source")[:1]
    )
    with transaction.atomic():
        _expire_overdue(ValveCommand.objects.all(), now)
        candidates = list(
            ValveCommand.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("meter")
            .annotate(meter_source=latest_source)
            .filter(status=CommandStatus.PENDING, meter_source=ReadingSource.MQTT)
            .order_by(*PRIORITY_ORDER)[:limit]
        )
        return _mark_sent(candidates, now)


def _give_up(command: ValveCommand, *, status: str, now: datetime, detail: str) -> None:
    command.status = status
    command.finished_at = now
    command.save(update_fields=["status", "finished_at", "response"])
    alert_raise(
        meter=command.meter,
        kind=AlertKind.COMMAND_FAILED,
        severity=AlertSeverity.CRITICAL,
        message=f"Valve command '{command.kind}' {detail} after {command.attempts} attempts.",
        data={"command_id": command.pk, "kind": command.kind, "status": status},
    )


def command_ack(
    *, meter: Meter, command_id: int, status: str, valve_state: str, notes: str = ""
) -> ValveCommand:
    """Record the device's answer to a sent command and the valve state it reports.

    An ack repeated with the same outcome (a QoS-1 redelivery) changes nothing; an ack for
    another meter's command is NotFound; an ack for a command that is finished otherwise,
    or was never sent, is InvalidTransition.
    """
    if status not in ACK_STATUSES:
        raise InvalidTransition(f"Unknown ack status {status!r}.")
    if valve_state not in ValveState.values:
        raise InvalidTransition(f"Unknown valve state {valve_state!r}.")
    now = timezone.now()
    with transaction.atomic():
        command = (
            ValveCommand.objects.select_for_update()
            .select_related("meter")
            .filter(pk=command_id, meter_id=meter.pk)
            .first()
        )
        if command is None:
            raise NotFound("Not found.")
        if command.status == CommandStatus.ACKNOWLEDGED and status == CommandStatus.ACKNOWLEDGED:
            return command
        # A late ack for an attempt that timed out and was requeued is still an answer.
        answerable = command.status == CommandStatus.SENT or (
            command.status == CommandStatus.PENDING and command.attempts > 0
        )
        if not answerable:
            raise InvalidTransition(f"Command is {command.status}; it cannot be acknowledged.")
        Meter.objects.filter(pk=meter.pk).update(valve_state=valve_state, updated_at=now)
        command.response = {"status": status, "valve_state": valve_state, "notes": notes[:500]}
        if status == CommandStatus.ACKNOWLEDGED:
            command.status = CommandStatus.ACKNOWLEDGED
            command.acknowledged_at = now
            command.finished_at = now
            command.save(update_fields=["status", "acknowledged_at", "finished_at", "response"])
        elif command.attempts < command.max_attempts:
            command.status = CommandStatus.PENDING
            command.save(update_fields=["status", "response"])
        else:
            _give_up(command, status=CommandStatus.FAILED, now=now, detail="failed")
        valve_commands_publish([command])  # open pages show the valve's new state
    return command


@dataclass(frozen=True)
class CommandSweep:
    """What one sweep changed: attempts requeued, commands timed out for good, expired."""

    requeued: int
    timed_out: int
    expired: int


def commands_sweep() -> CommandSweep:
    """Expire undelivered commands past `expires_at`; requeue or time out unanswered ones."""
    now = timezone.now()
    requeued = timed_out = 0
    with transaction.atomic():
        expired = _expire_overdue(ValveCommand.objects.all(), now)
        overdue = list(
            ValveCommand.objects.select_for_update()
            .select_related("meter")
            .filter(status=CommandStatus.SENT, sent_at__lte=now - ACK_TIMEOUT)
        )
        for command in overdue:
            command.response = {**command.response, "timed_out_at": now.isoformat()}
            if command.attempts < command.max_attempts:
                command.status = CommandStatus.PENDING
                command.save(update_fields=["status", "response"])
                requeued += 1
            else:
                _give_up(command, status=CommandStatus.TIMED_OUT, now=now, detail="got no answer")
                timed_out += 1
        valve_commands_publish(overdue)
    return CommandSweep(requeued=requeued, timed_out=timed_out, expired=expired)
