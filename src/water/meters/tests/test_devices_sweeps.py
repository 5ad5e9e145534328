"""The fleet sweep: offline meters, continuous night flow (leaks), and the command."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from water.meters.devices.sweeps import meters_leak_sweep, meters_offline_sweep
from water.meters.models import Meter, MeterStatus, Reading
from water.tests.factories import ClientFactory, MeterFactory
from water.valves.models import Alert, AlertKind, AlertStatus

pytestmark = pytest.mark.django_db
JAKARTA = ZoneInfo("Asia/Jakarta")
# 2026-03-03 10:00 in Jakarta: "last night" is 2026-03-03 01:00-04:00 local.
NOW = datetime(2026, 3, 3, 10, 0, tzinfo=JAKARTA)


def _meter(zone: str = "Asia/Jakarta", **fields) -> Meter:
    meter = MeterFactory(**fields)
    ClientFactory(tenant=meter.tenant, timezone=zone)
    return meter


def _night(meter: Meter, points: list[tuple[str, int]], *, zone=JAKARTA, day=3) -> None:
    """Readings at local HH:MM on 2026-03-<day> with the given consumption."""
    for register, (clock, litres) in enumerate(points):
        hour, minute = map(int, clock.split(":"))
        Reading.objects.create(
            tenant=meter.tenant,
            meter=meter,
            taken_at=datetime(2026, 3, day, hour, minute, tzinfo=zone),
            register_litres=register * 100,
            consumption_litres=litres,
            source="mqtt",
        )


def _leaks() -> list[tuple[int, str]]:
    return list(Alert.objects.filter(kind=AlertKind.LEAK).values_list("meter_id", "data__night"))


def test_water_running_through_the_whole_night_raises_one_leak_alert():
    # given a meter whose every reading between 01:00 and 04:00 shows consumption
    meter = _meter()
    _night(meter, [("00:45", 0), ("01:00", 12), ("02:00", 15), ("03:00", 11), ("03:59", 9)])
    # and a dry reading at 04:00, which is outside the window
    _night(meter, [("04:00", 0)])
    # when the sweep runs, twice
    assert meters_leak_sweep(now=NOW) == 1
    assert meters_leak_sweep(now=NOW) == 0
    # then one LEAK alert for that night exists, counted once
    assert _leaks() == [(meter.pk, "2026-03-03")]
    assert Alert.objects.get(kind=AlertKind.LEAK).occurrences == 1


@pytest.mark.parametrize(
    ("points", "why"),
    [
        ([("01:00", 12), ("02:00", 0), ("03:30", 9)], "one dry reading"),
        ([("01:00", 12), ("03:30", 9)], "only two readings"),
        ([("01:00", 12), ("01:30", 9), ("02:59", 9)], "less than two hours apart"),
        ([("00:00", 5), ("00:30", 5), ("04:30", 5), ("05:00", 5)], "nothing inside the window"),
    ],
)
def test_a_night_that_is_not_continuous_flow_raises_nothing(points, why):
    meter = _meter()
    _night(meter, points)
    assert meters_leak_sweep(now=NOW) == 0, why
    assert _leaks() == []


def test_before_four_in_the_morning_the_previous_night_is_judged():
    # given continuous flow on the night of the 2nd and a sweep at 03:30 local on the 3rd
    meter = _meter()
    _night(meter, [("01:00", 5), ("02:00", 5), ("03:10", 5)], day=2)
    early = datetime(2026, 3, 3, 3, 30, tzinfo=JAKARTA)
    assert meters_leak_sweep(now=early) == 1
    assert _leaks() == [(meter.pk, "2026-03-02")]


def test_the_window_is_the_clients_local_night():
    # given a client in Jayapura (UTC+9) whose meter ran from 01:00 to 03:30 Jayapura time
    jayapura = ZoneInfo("Asia/Jayapura")
    meter = _meter("Asia/Jayapura")
    _night(meter, [("01:00", 5), ("02:00", 5), ("03:30", 5)], zone=jayapura)
    # when the sweep runs at 10:00 Jayapura time
    assert meters_leak_sweep(now=datetime(2026, 3, 3, 10, 0, tzinfo=jayapura)) == 1
    assert _leaks() == [(meter.pk, "2026-03-03")]


def test_a_second_leaking_night_counts_another_occurrence():
    meter = _meter()
    _night(meter, [("01:00", 5), ("02:00", 5), ("03:10", 5)], day=2)
    _night(meter, [("01:00", 5), ("02:00", 5), ("03:10", 5)], day=3)
    meters_leak_sweep(now=datetime(2026, 3, 2, 10, 0, tzinfo=JAKARTA))
    meters_leak_sweep(now=NOW)
    alert = Alert.objects.get(kind=AlertKind.LEAK)
    assert (alert.occurrences, alert.data["night"]) == (2, "2026-03-03")


def test_a_meter_silent_for_30_minutes_is_offline_once_and_resolves_when_heard():
    # given an active meter last heard 31 minutes ago and one heard 29 minutes ago
    now = timezone.now()
    silent = _meter(last_seen_at=now - timedelta(minutes=31))
    _meter(last_seen_at=now - timedelta(minutes=29))
    # and a meter never heard from, and a retired one that went quiet
    _meter()
    _meter(last_seen_at=now - timedelta(hours=5), status=MeterStatus.RETIRED)
    # when the sweep runs twice
    assert meters_offline_sweep(now=now) == (1, 0)
    assert meters_offline_sweep(now=now) == (0, 0)
    # then only the silent meter has one OFFLINE alert
    alert = Alert.objects.get(kind=AlertKind.OFFLINE)
    assert (alert.meter_id, alert.occurrences) == (silent.pk, 1)
    # when it is heard again, the next sweep resolves the alert
    Meter.objects.filter(pk=silent.pk).update(last_seen_at=now)
    assert meters_offline_sweep(now=now) == (0, 1)
    assert Alert.objects.get(kind=AlertKind.OFFLINE).status == AlertStatus.RESOLVED


def test_the_sweep_command_reports_what_it_did():
    _meter(last_seen_at=timezone.now() - timedelta(hours=1))
    out = StringIO()
    call_command("sweep_devices", stdout=out)
    assert out.getvalue().strip() == (
        "commands: 0 requeued, 0 timed out, 0 expired; offline alerts: 1 raised, "
        "0 resolved; leak alerts: 0 raised"
    )
