"""The daily usage rollup: kept by billing, read by the dashboard selectors in one query."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from water.billing.inputs import ReadingInput
from water.billing.models import DailyUsage
from water.billing.selectors import consumption_for
from water.billing.services import readings_apply
from water.billing.services.bulk import readings_apply_many
from water.billing.services.rollups import Scope, usage_check
from water.billing.tests.factories import billable, series
from water.billing.usage import (
    DayUsage,
    UsageBucket,
    UsageTotal,
    meter_usage_series,
    meters_usage_between,
    tenant_usage_between,
    tenant_usage_daily,
)
from water.meters.models import Meter, Reading
from water.tests.factories import MeterFactory

pytestmark = pytest.mark.django_db

# 23:30 on March 2nd in Jakarta (UTC+7): readings every 15 minutes cross local midnight.
LATE_EVENING = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
MARCH_2, MARCH_3 = date(2026, 3, 2), date(2026, 3, 3)
JAKARTA = ZoneInfo("Asia/Jakarta")


def _rollup(meter_id: int) -> dict[date, tuple[int, int, int]]:
    rows = DailyUsage.objects.filter(meter_id=meter_id).values_list(
        "day", "litres", "charge_idr", "readings"
    )
    return {day: (litres, charge, n) for day, litres, charge, n in rows}


def _from_readings(meter_id: int) -> dict[date, tuple[int, int, int]]:
    """consumption_for's daily buckets over all the meter's readings, as rollup rows."""
    meter = Meter.objects.get(pk=meter_id)
    buckets = consumption_for(
        meter=meter, period="daily", date_from=date(2026, 1, 1), date_to=date(2026, 12, 31)
    )
    return {b.period_start: (b.litres, b.charge_idr, b.readings) for b in buckets}


def _charges(meter_id: int, day: date) -> int:
    """The charges of the meter's readings taken on `day` in Jakarta."""
    return sum(
        charge
        for taken_at, charge in Reading.objects.filter(meter_id=meter_id).values_list(
            "taken_at", "charge_idr"
        )
        if taken_at.astimezone(JAKARTA).date() == day
    )


def test_readings_apply_adds_each_reading_to_its_local_day():
    # given a meter
    world = billable()
    # when four readings cross local midnight
    readings_apply(
        meter=world.meter, readings=series([0, 100, 250, 450], start=LATE_EVENING), source="mqtt"
    )
    # then each local day holds its litres, charges and readings
    march_2_charge, march_3_charge = (
        _charges(world.meter.pk, MARCH_2),
        _charges(world.meter.pk, MARCH_3),
    )
    assert march_3_charge > 0
    assert _rollup(world.meter.pk) == {
        MARCH_2: (100, march_2_charge, 2),
        MARCH_3: (350, march_3_charge, 2),
    }
    assert _rollup(world.meter.pk) == _from_readings(world.meter.pk)


def test_a_replayed_batch_counts_once():
    world = billable()
    batch = series([0, 100, 250], start=LATE_EVENING)
    readings_apply(meter=world.meter, readings=batch, source="mqtt")
    before = _rollup(world.meter.pk)
    # when the same batch arrives again
    result = readings_apply(meter=world.meter, readings=batch, source="mqtt")
    # then nothing is added
    assert result.duplicates == 3
    assert _rollup(world.meter.pk) == before
    assert before[MARCH_2][0] + before[MARCH_3][0] == 250


def test_a_late_reading_moves_litres_between_days_as_billed():
    # given readings at 23:30 and 23:45 (March 2nd) and 00:00, 00:15 (March 3rd)
    world = billable()
    readings_apply(
        meter=world.meter, readings=series([0, 100, 250, 450], start=LATE_EVENING), source="mqtt"
    )
    # when a reading of 23:50 arrives late, taking 100 of 00:00's 150 litres
    late = ReadingInput(taken_at=LATE_EVENING + timedelta(minutes=20), register_litres=200)
    readings_apply(meter=world.meter, readings=[late], source="mqtt")
    # then the rollup follows the re-priced readings
    rollup = _rollup(world.meter.pk)
    assert {day: (litres, n) for day, (litres, _, n) in rollup.items()} == {
        MARCH_2: (200, 3),
        MARCH_3: (250, 2),
    }
    assert rollup == _from_readings(world.meter.pk)
    assert usage_check(scope=Scope()) == []


def test_reverse_flow_and_rollover_count_what_was_billed():
    world = billable(register_max_litres=1_000)
    # 900 -> 950 -> 20 (rollover: 70) -> 10 (reverse flow: nothing) -> 30 (owed back first)
    readings_apply(
        meter=world.meter,
        readings=series([900, 950, 20, 10, 30], start=LATE_EVENING),
        source="http",
    )
    rollup = _rollup(world.meter.pk)
    assert sum(litres for litres, _, _ in rollup.values()) == sum(
        Reading.objects.filter(meter=world.meter).values_list("consumption_litres", flat=True)
    )
    assert rollup == _from_readings(world.meter.pk)


def _row(meter, day: date, litres: int, charge: int, readings: int = 1) -> DailyUsage:
    return DailyUsage.objects.create(
        tenant_id=meter.tenant_id,
        meter=meter,
        day=day,
        litres=litres,
        charge_idr=charge,
        readings=readings,
    )


@pytest.fixture
def two_meters():
    """Two meters of one tenant with a few days of rollup, and another tenant's meter."""
    world = billable()
    other_meter = MeterFactory(tenant=world.tenant)
    stranger = billable().meter
    _row(world.meter, date(2026, 3, 1), 100, 1_000, 4)  # a Sunday
    _row(world.meter, date(2026, 3, 2), 200, 2_000, 5)  # a Monday
    _row(world.meter, date(2026, 3, 31), 300, 3_000, 6)
    _row(world.meter, date(2026, 4, 1), 400, 4_000, 7)
    _row(other_meter, date(2026, 3, 2), 50, 500, 2)
    _row(stranger, date(2026, 3, 2), 9_999, 99_999, 9)
    return world, other_meter


def test_tenant_usage_between_sums_inclusive_days_in_one_query(
    two_meters, django_assert_num_queries
):
    world, _ = two_meters
    with django_assert_num_queries(1):
        total = tenant_usage_between(
            tenant_id=world.tenant.pk, date_from=date(2026, 3, 2), date_to=date(2026, 3, 31)
        )
    assert total == UsageTotal(litres=550, charge_idr=5_500, readings=13)
    empty = tenant_usage_between(
        tenant_id=world.tenant.pk, date_from=date(2026, 5, 1), date_to=date(2026, 5, 31)
    )
    assert empty == UsageTotal(litres=0, charge_idr=0, readings=0)


def test_tenant_usage_daily_lists_every_day_zero_filled(two_meters, django_assert_num_queries):
    world, _ = two_meters
    with django_assert_num_queries(1):
        days = tenant_usage_daily(
            tenant_id=world.tenant.pk, date_from=date(2026, 3, 1), date_to=date(2026, 3, 4)
        )
    assert days == [
        DayUsage(day=date(2026, 3, 1), litres=100, charge_idr=1_000),
        DayUsage(day=date(2026, 3, 2), litres=250, charge_idr=2_500),
        DayUsage(day=date(2026, 3, 3), litres=0, charge_idr=0),
        DayUsage(day=date(2026, 3, 4), litres=0, charge_idr=0),
    ]


def test_meter_usage_series_by_day(two_meters, django_assert_num_queries):
    world, _ = two_meters
    with django_assert_num_queries(1):
        buckets = meter_usage_series(
            meter_id=world.meter.pk,
            period="daily",
            date_from=date(2026, 3, 1),
            date_to=date(2026, 3, 3),
        )
    assert buckets == [
        UsageBucket(date(2026, 3, 1), 100, 1_000, 4),
        UsageBucket(date(2026, 3, 2), 200, 2_000, 5),
        UsageBucket(date(2026, 3, 3), 0, 0, 0),
    ]


def test_meter_usage_series_by_iso_week_starts_on_monday(two_meters, django_assert_num_queries):
    world, _ = two_meters
    with django_assert_num_queries(1):
        buckets = meter_usage_series(
            meter_id=world.meter.pk,
            period="weekly",
            date_from=date(2026, 3, 1),
            date_to=date(2026, 4, 1),
        )
    mondays = [date(2026, 2, 23) + timedelta(weeks=i) for i in range(6)]
    assert buckets == [
        UsageBucket(mondays[0], 100, 1_000, 4),  # Sunday March 1st is in February's last week
        UsageBucket(mondays[1], 200, 2_000, 5),
        UsageBucket(mondays[2], 0, 0, 0),
        UsageBucket(mondays[3], 0, 0, 0),
        UsageBucket(mondays[4], 0, 0, 0),
        UsageBucket(mondays[5], 700, 7_000, 13),  # Tuesday 31st and Wednesday April 1st
    ]


def test_meter_usage_series_by_month(two_meters, django_assert_num_queries):
    world, _ = two_meters
    with django_assert_num_queries(1):
        buckets = meter_usage_series(
            meter_id=world.meter.pk,
            period="monthly",
            date_from=date(2026, 2, 15),
            date_to=date(2026, 5, 31),
        )
    assert buckets == [
        UsageBucket(date(2026, 2, 1), 0, 0, 0),
        UsageBucket(date(2026, 3, 1), 600, 6_000, 15),
        UsageBucket(date(2026, 4, 1), 400, 4_000, 7),
        UsageBucket(date(2026, 5, 1), 0, 0, 0),
    ]


def test_meter_usage_series_refuses_an_unknown_period(two_meters, django_assert_num_queries):
    world, _ = two_meters
    with django_assert_num_queries(0), pytest.raises(ValueError, match="yearly"):
        meter_usage_series(
            meter_id=world.meter.pk, period="yearly", date_from=MARCH_2, date_to=MARCH_3
        )


def test_meters_usage_between_answers_every_meter_in_one_query(
    two_meters, django_assert_num_queries
):
    world, other_meter = two_meters
    idle = MeterFactory(tenant=world.tenant)
    ids = [world.meter.pk, other_meter.pk, idle.pk]
    with django_assert_num_queries(1):
        totals = meters_usage_between(
            meter_ids=ids, date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)
        )
    assert totals == {
        world.meter.pk: UsageTotal(600, 6_000, 15),
        other_meter.pk: UsageTotal(50, 500, 2),
        idle.pk: UsageTotal(0, 0, 0),
    }
    with django_assert_num_queries(0):
        assert meters_usage_between(meter_ids=[], date_from=MARCH_2, date_to=MARCH_3) == {}


def test_selectors_agree_with_consumption_for_after_billing(django_assert_num_queries):
    world = billable()
    readings = series([i * 37 for i in range(200)], start=LATE_EVENING, step_minutes=60 * 5)
    readings_apply(meter=world.meter, readings=readings, source="mqtt")
    first, last = date(2026, 3, 1), date(2026, 4, 30)
    for period in ("daily", "monthly"):
        expected = [
            (b.period_start, b.litres, b.charge_idr, b.readings)
            for b in consumption_for(
                meter=world.meter, period=period, date_from=first, date_to=last
            )
        ]
        got = meter_usage_series(
            meter_id=world.meter.pk, period=period, date_from=first, date_to=last
        )
        assert [
            (b.period_start, b.litres, b.charge_idr, b.readings) for b in got if b.readings
        ] == (expected)
    total = tenant_usage_between(tenant_id=world.tenant.pk, date_from=first, date_to=last)
    assert total.litres == 199 * 37
    assert total.readings == 200


def test_the_bulk_path_rolls_up_by_the_clients_own_timezone():
    # given a client in Jayapura (UTC+9) and a meter that has reported before
    world = billable(timezone="Asia/Jayapura")
    evening = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)  # 22:30 local
    readings_apply(meter=world.meter, readings=series([0], start=evening), source="mqtt")
    # when a batch crosses local midnight (23:30, 00:30)
    later = series([100, 300], start=evening + timedelta(hours=1), step_minutes=60)
    readings_apply_many({world.meter.pk: (world.meter, later)}, source="mqtt")
    # then each reading counts on its Jayapura day
    rollup = _rollup(world.meter.pk)
    assert {day: (litres, n) for day, (litres, _, n) in rollup.items()} == {
        MARCH_2: (100, 2),
        MARCH_3: (200, 1),
    }
    assert usage_check(scope=Scope(meter_id=world.meter.pk)) == []
