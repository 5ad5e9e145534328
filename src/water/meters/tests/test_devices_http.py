"""HTTP ingestion, command poll and ack, as a signed device calls them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from water.billing.services import account_credit
from water.billing.tests.factories import billable
from water.meters.models import Meter, Reading, ValveState
from water.meters.tests.test_devices_support import device_get, device_post, enrolled, reading
from water.tests.factories import AlertFactory, MeterFactory, ValveCommandFactory
from water.valves.models import Alert, AlertKind, AlertStatus, CommandStatus, ValveCommand

pytestmark = pytest.mark.django_db
# the meter by key id; last seen + OFFLINE resolved; expire, lock, mark sent, read back; and
# the savepoints of the two transactions
POLL_QUERIES = 11


def _credited_device(amount_idr: int = 100_000):
    world = billable()
    account_credit(meter=world.meter, amount_idr=amount_idr, kind="topup", idempotency_key="t:1")
    return enrolled(world.meter)


def test_readings_are_billed_and_the_answer_carries_balance_and_valve():
    # given a meter with Rp 100,000 on a tariff of Rp 5,000/m³ for the first 10 m³
    device = _credited_device()
    Meter.objects.filter(pk=device.meter.pk).update(valve_state=ValveState.OPEN)
    # when it sends three readings: 0, 1 m³ and 3 m³ (offsets in local time)
    batch = [
        reading("2026-03-02T08:00:00+07:00", 0, battery_pct=87, signal_dbm=-71),
        reading("2026-03-02T08:15:00+07:00", 1_000, flow_lpm=66.7),
        reading("2026-03-02T01:30:00Z", 3_000, battery_pct=86, signal_dbm=-70),
    ]
    response = device_post(device, "/readings", {"readings": batch})
    # then 3 m³ cost Rp 15,000, the valve-open command of the top-up is announced, and the
    # meter's telemetry is updated
    assert response.status_code == 200, response.content
    assert response.json() == {
        "accepted": 3,
        "duplicates": 0,
        "balance_idr": 85_000,
        "valve": {"state": "open", "pending_command": "open"},
    }
    meter = Meter.objects.get(pk=device.meter.pk)
    assert (meter.battery_pct, meter.signal_dbm, meter.last_register_litres) == (86, -70, 3_000)
    assert meter.last_seen_at is not None
    assert set(Reading.objects.values_list("source", flat=True)) == {"http"}


def test_a_resent_batch_counts_duplicates_and_moves_no_money():
    device = _credited_device()
    batch = {
        "readings": [
            reading("2026-03-02T08:00:00+07:00", 0),
            reading("2026-03-02T08:15:00+07:00", 2_000),
        ]
    }  # noqa: E501
    first = device_post(device, "/readings", batch).json()
    again = device_post(device, "/readings", batch).json()
    assert (first["accepted"], first["balance_idr"]) == (2, 90_000)
    assert (again["accepted"], again["duplicates"], again["balance_idr"]) == (0, 2, 90_000)
    assert Reading.objects.count() == 2


def test_low_battery_and_device_flags_raise_alerts_once():
    # given an enrolled meter with credit
    device = _credited_device()
    # when it reports a battery of 19 % and a tamper and door-open flag
    batch = [
        reading("2026-03-02T08:00:00+07:00", 0, flags=["tamper"]),
        reading("2026-03-02T08:15:00+07:00", 10, battery_pct=19, flags=["door_open"]),
    ]
    assert device_post(device, "/readings", {"readings": batch}).status_code == 200
    # and the same batch is delivered again
    assert device_post(device, "/readings", {"readings": batch}).status_code == 200
    # then one LOW_BATTERY and one TAMPER alert exist, each counted once
    alerts = dict(Alert.objects.values_list("kind", "occurrences"))
    assert alerts == {AlertKind.LOW_BATTERY: 1, AlertKind.TAMPER: 1}


def test_a_reverse_flow_flag_raises_the_reverse_flow_alert():
    device = _credited_device()
    batch = [reading("2026-03-02T08:00:00+07:00", 50, flags=["reverse_flow"])]
    assert device_post(device, "/readings", {"readings": batch}).status_code == 200
    assert list(Alert.objects.values_list("kind", flat=True)) == [AlertKind.REVERSE_FLOW]


def test_a_battery_back_at_20_percent_resolves_the_low_battery_alert():
    device = enrolled(MeterFactory())
    device_post(
        device, "/readings", {"readings": [reading("2026-03-02T08:00:00+07:00", 0, battery_pct=12)]}
    )  # noqa: E501
    device_post(
        device, "/readings", {"readings": [reading("2026-03-02T09:00:00+07:00", 0, battery_pct=20)]}
    )  # noqa: E501
    assert Alert.objects.get(kind=AlertKind.LOW_BATTERY).status == AlertStatus.RESOLVED


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        ({"readings": []}, "empty"),
        (
            {
                "readings": [
                    reading(f"2026-03-02T08:{i // 60:02d}:{i % 60:02d}+07:00", i)
                    for i in range(501)
                ]
            },
            "501",
        ),  # noqa: E501
        ({"readings": [reading("2026-03-02T08:00:00", 1)]}, "no offset"),
        ({"readings": [reading("2099-01-01T00:00:00+07:00", 1)]}, "future"),
        ({"readings": [reading("2026-03-02T08:00:00+07:00", -1)]}, "negative"),
        ({"readings": [reading("2026-03-02T08:00:00+07:00", 1, battery_pct=101)]}, "battery"),
        ({"readings": [reading("2026-03-02T08:00:00+07:00", 1, price=0)]}, "extra key"),
        ({"readings": [], "meter_id": 1}, "extra top-level key"),
    ],
)
def test_an_invalid_batch_answers_422_and_stores_nothing(payload, why):
    device = enrolled(MeterFactory())
    response = device_post(device, "/readings", payload)
    assert response.status_code == 422, why
    assert Reading.objects.count() == 0


def test_the_poll_hands_out_pending_commands_by_priority_and_marks_them_sent():
    # given a meter with a normal "status" and an emergency "close" command, and one expired
    device = enrolled(MeterFactory())
    normal = ValveCommandFactory(meter=device.meter, kind="status", priority=20)
    urgent = ValveCommandFactory(meter=device.meter, kind="close", priority=40)
    stale = ValveCommandFactory(
        meter=device.meter, kind="open", expires_at=timezone.now() - timezone.timedelta(seconds=1)
    )
    # when the meter polls
    response = device_get(device, "/commands")
    # then it gets the emergency first; both are sent once; the expired one is not delivered
    assert response.status_code == 200
    body = response.json()["commands"]
    assert [(c["id"], c["kind"], c["attempt"]) for c in body] == [
        (urgent.pk, "close", 1),
        (normal.pk, "status", 1),
    ]
    rows = {c.pk: c for c in ValveCommand.objects.all()}
    assert (rows[urgent.pk].status, rows[urgent.pk].attempts) == (CommandStatus.SENT, 1)
    assert rows[urgent.pk].sent_at is not None
    assert rows[stale.pk].status == CommandStatus.EXPIRED
    # and a second poll hands out nothing more
    assert device_get(device, "/commands").json() == {"commands": []}


@pytest.mark.parametrize("pending", [1, 4])
def test_the_poll_runs_a_fixed_number_of_queries(pending, django_assert_num_queries):
    # given a meter with 1 or 4 pending commands
    device = enrolled(MeterFactory())
    for _ in range(pending):
        ValveCommandFactory(meter=device.meter, kind="status")
    # when it polls, the same queries run whatever the number of commands
    with django_assert_num_queries(POLL_QUERIES):
        body = device_get(device, "/commands").json()
    assert len(body["commands"]) == pending


def test_an_ack_records_the_outcome_and_the_valve_state():
    device = enrolled(MeterFactory())
    command = ValveCommandFactory(meter=device.meter, kind="close")
    device_get(device, "/commands")
    response = device_post(
        device,
        f"/commands/{command.pk}/ack",
        {"status": "acknowledged", "valve_state": "closed", "notes": "closed in 2.1 s"},
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"id": command.pk, "status": "acknowledged", "attempts": 1}
    command.refresh_from_db()
    assert command.status == CommandStatus.ACKNOWLEDGED
    assert command.acknowledged_at is not None
    assert command.response["notes"] == "closed in 2.1 s"
    assert Meter.objects.get(pk=device.meter.pk).valve_state == ValveState.CLOSED


def test_a_failed_command_is_retried_then_fails_with_an_alert():
    # given a close command allowed two attempts
    device = enrolled(MeterFactory())
    command = ValveCommandFactory(meter=device.meter, kind="close", max_attempts=2)
    failure = {"status": "failed", "valve_state": "open", "notes": "motor stalled"}
    # when the first attempt fails, it is pending again and handed out a second time
    device_get(device, "/commands")
    assert device_post(device, f"/commands/{command.pk}/ack", failure).json()["status"] == "pending"
    assert [c["attempt"] for c in device_get(device, "/commands").json()["commands"]] == [2]
    # when the second attempt fails too
    final = device_post(device, f"/commands/{command.pk}/ack", failure).json()
    # then the command has failed for good and a COMMAND_FAILED alert is open
    assert final == {"id": command.pk, "status": "failed", "attempts": 2}
    alert = Alert.objects.get(meter=device.meter)
    assert (alert.kind, alert.data["command_id"]) == (AlertKind.COMMAND_FAILED, command.pk)
    assert device_get(device, "/commands").json() == {"commands": []}


def test_an_ack_for_another_meters_command_is_not_found_and_changes_nothing():
    mine, other = enrolled(MeterFactory()), enrolled(MeterFactory())
    command = ValveCommandFactory(meter=other.meter, kind="close")
    device_get(other, "/commands")
    response = device_post(
        mine, f"/commands/{command.pk}/ack", {"status": "acknowledged", "valve_state": "closed"}
    )
    assert response.status_code == 404
    command.refresh_from_db()
    assert command.status == CommandStatus.SENT
    assert Meter.objects.get(pk=mine.meter.pk).valve_state == ValveState.UNKNOWN


def test_a_report_resolves_the_offline_alert():
    # given a meter the sweep marked offline
    device = _credited_device()
    AlertFactory(meter=device.meter, kind=AlertKind.OFFLINE, message="No report")
    # when it reports again
    batch = {"readings": [reading("2026-03-02T08:00:00+07:00", 0)]}
    assert device_post(device, "/readings", batch).status_code == 200
    # then the alert is resolved
    assert Alert.objects.get(kind=AlertKind.OFFLINE).status == AlertStatus.RESOLVED
