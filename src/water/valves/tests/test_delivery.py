"""Valve command lifecycle: sent, acknowledged, failed and retried, timed out, expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from water.errors import InvalidTransition
from water.meters.models import Meter, Reading, ReadingSource, ValveState
from water.tests.factories import MeterFactory, ValveCommandFactory
from water.valves.delivery import (
    command_ack,
    command_next_pending,
    commands_claim_for_mqtt,
    commands_sweep,
    commands_take,
)
from water.valves.models import Alert, AlertKind, CommandStatus, ValveCommand

pytestmark = pytest.mark.django_db


def _sent_seconds_ago(command: ValveCommand, seconds: int) -> None:
    ValveCommand.objects.filter(pk=command.pk).update(
        sent_at=timezone.now() - timedelta(seconds=seconds)
    )


def _statuses() -> list[tuple[str, int]]:
    return list(ValveCommand.objects.order_by("pk").values_list("status", "attempts"))


def test_an_unanswered_command_is_requeued_after_60_seconds_and_resent():
    # given a command sent 61 s ago without an answer
    command = ValveCommandFactory()
    commands_take(meter=command.meter)
    _sent_seconds_ago(command, 61)
    # when the sweep runs
    result = commands_sweep()
    # then it is pending again, and the next poll is its second attempt
    assert (result.requeued, result.timed_out, result.expired) == (1, 0, 0)
    assert _statuses() == [(CommandStatus.PENDING, 1)]
    assert [c.attempts for c in commands_take(meter=command.meter)] == [2]


def test_a_command_answered_within_60_seconds_is_left_alone():
    command = ValveCommandFactory()
    commands_take(meter=command.meter)
    _sent_seconds_ago(command, 59)
    assert commands_sweep().requeued == 0
    assert _statuses() == [(CommandStatus.SENT, 1)]


def test_the_last_unanswered_attempt_times_out_with_an_alert():
    command = ValveCommandFactory(max_attempts=1)
    commands_take(meter=command.meter)
    _sent_seconds_ago(command, 120)
    result = commands_sweep()
    assert (result.requeued, result.timed_out) == (0, 1)
    command.refresh_from_db()
    assert (command.status, command.finished_at is not None) == (CommandStatus.TIMED_OUT, True)
    alert = Alert.objects.get(meter=command.meter)
    assert (alert.kind, alert.data["status"]) == (AlertKind.COMMAND_FAILED, "timed_out")
    # and running the sweep again changes nothing
    assert commands_sweep() == type(result)(requeued=0, timed_out=0, expired=0)
    assert Alert.objects.get(meter=command.meter).occurrences == 1


def test_an_undelivered_command_past_its_expiry_expires():
    past = timezone.now() - timedelta(minutes=1)
    pending = ValveCommandFactory(expires_at=past)
    sent = ValveCommandFactory(kind="status")
    commands_take(meter=sent.meter)
    ValveCommand.objects.filter(pk=sent.pk).update(expires_at=past)
    result = commands_sweep()
    assert result.expired == 2
    assert set(ValveCommand.objects.values_list("status", flat=True)) == {CommandStatus.EXPIRED}
    assert commands_take(meter=pending.meter) == []
    assert command_next_pending(meter=pending.meter) is None


def test_a_late_ack_for_a_requeued_attempt_is_still_accepted():
    command = ValveCommandFactory(kind="open")
    commands_take(meter=command.meter)
    _sent_seconds_ago(command, 90)
    commands_sweep()
    acked = command_ack(
        meter=command.meter, command_id=command.pk, status="acknowledged", valve_state="open"
    )
    assert acked.status == CommandStatus.ACKNOWLEDGED
    assert Meter.objects.get(pk=command.meter_id).valve_state == ValveState.OPEN


def test_a_repeated_ack_changes_nothing():
    command = ValveCommandFactory()
    commands_take(meter=command.meter)
    first = command_ack(
        meter=command.meter, command_id=command.pk, status="acknowledged", valve_state="closed"
    )
    again = command_ack(
        meter=command.meter, command_id=command.pk, status="acknowledged", valve_state="closed"
    )
    assert (again.acknowledged_at, again.attempts) == (first.acknowledged_at, 1)


@pytest.mark.parametrize("state", ["never_sent", "acknowledged_then_failed", "cancelled"])
def test_an_ack_that_does_not_fit_the_command_state_is_refused(state):
    command = ValveCommandFactory()
    if state != "never_sent":
        commands_take(meter=command.meter)
    if state == "acknowledged_then_failed":
        command_ack(
            meter=command.meter, command_id=command.pk, status="acknowledged", valve_state="closed"
        )
    if state == "cancelled":
        ValveCommand.objects.filter(pk=command.pk).update(status=CommandStatus.CANCELLED)
    before = (_statuses(), Meter.objects.get(pk=command.meter_id).valve_state)
    with pytest.raises(InvalidTransition):
        command_ack(meter=command.meter, command_id=command.pk, status="failed", valve_state="open")
    assert (_statuses(), Meter.objects.get(pk=command.meter_id).valve_state) == before


def test_mqtt_claims_only_commands_of_meters_reporting_over_mqtt_and_only_once():
    # given one meter whose latest reading came over MQTT and one over HTTP, each with a command
    mqtt_meter, http_meter = MeterFactory(), MeterFactory()
    at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    for meter, source in ((mqtt_meter, ReadingSource.MQTT), (http_meter, ReadingSource.HTTP)):
        Reading.objects.create(
            tenant=meter.tenant, meter=meter, taken_at=at, register_litres=0, source=source
        )
    wanted = ValveCommandFactory(meter=mqtt_meter)
    ValveCommandFactory(meter=http_meter)
    # when two consumers claim in turn
    first, second = commands_claim_for_mqtt(), commands_claim_for_mqtt()
    # then only the MQTT meter's command is claimed, by the first, as its first attempt
    assert [(c.pk, c.status, c.attempts) for c in first] == [(wanted.pk, CommandStatus.SENT, 1)]
    assert second == []


def test_an_ack_and_a_timeout_are_published_to_open_pages():
    from core.realtime.models import LiveEvent

    command = ValveCommandFactory(kind="open")
    commands_take(meter=command.meter)
    LiveEvent.objects.all().delete()

    command_ack(
        meter=command.meter, command_id=command.pk, status="acknowledged", valve_state="open"
    )

    live = LiveEvent.objects.get()
    assert (live.audience, live.kind) == (f"tenant:{command.tenant_id}", "water.valve")
    assert live.data == {
        "meter_id": command.meter_id,
        "valve_state": "open",
        "command_id": command.pk,
        "status": "acknowledged",
    }

    other = ValveCommandFactory(kind="close")
    commands_take(meter=other.meter)
    _sent_seconds_ago(other, 61)
    LiveEvent.objects.all().delete()
    commands_sweep()
    assert list(LiveEvent.objects.values_list("kind", "data__status")) == [
        ("water.valve", "pending")
    ]
