"""readings_apply: storing, billing by block, replays, late readings, rollover, reverse flow."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from water.billing import signals
from water.billing.inputs import ReadingInput
from water.billing.models import EntryKind, LedgerEntry, PrepaidAccount
from water.billing.services import account_credit, readings_apply
from water.billing.tests.factories import T0, billable, series
from water.meters.models import Reading
from water.tests.factories import MeterFactory
from water.valves.models import (
    Alert,
    AlertKind,
    AlertStatus,
    CommandKind,
    CommandPriority,
    CommandStatus,
    ValveCommand,
)

pytestmark = pytest.mark.django_db


def test_first_reading_starts_the_series_and_creates_the_account():
    # given a meter that never reported
    world = billable()
    # when its first reading arrives
    result = readings_apply(meter=world.meter, readings=series([1_000]), source="http")
    # then it is stored with no consumption, and the account exists at zero
    assert (result.accepted, result.duplicates, result.consumption_litres) == (1, 0, 0)
    assert result.charged_idr == 0
    reading = Reading.objects.get(meter=world.meter)
    assert (reading.register_litres, reading.consumption_litres, reading.charge_idr) == (
        1_000,
        0,
        0,
    )
    assert PrepaidAccount.objects.get(meter=world.meter).balance_idr == 0


def test_25_m3_in_a_month_costs_the_worked_example():
    # given a meter with Rp 200,000 of credit
    world = billable()
    account_credit(meter=world.meter, amount_idr=200_000, kind="topup", idempotency_key="t:1")
    # when it reports 25 m³ over three readings
    result = readings_apply(
        meter=world.meter, readings=series([0, 8_000, 15_000, 25_000]), source="mqtt"
    )
    # then 50,000 + 60,000 + 35,000 is charged, piecewise per reading
    assert result.consumption_litres == 25_000
    assert result.charged_idr == 145_000
    assert result.balance_idr == 55_000
    charges = list(Reading.objects.filter(meter=world.meter).values_list("charge_idr", flat=True))
    # 8 m³ in block 1; 2 m³ in block 1 + 5 m³ in block 2; 5 m³ in block 2 + 5 m³ in block 3
    assert charges == [0, 40_000, 10_000 + 30_000, 30_000 + 35_000]


def _ledger(meter) -> list[tuple[str, int]]:
    return list(
        LedgerEntry.objects.filter(account__meter=meter)
        .order_by("id")
        .values_list("kind", "amount_idr")
    )


def _consumption(meter) -> list[tuple[int, int, int]]:
    return list(
        Reading.objects.filter(meter=meter)
        .order_by("taken_at")
        .values_list("register_litres", "consumption_litres", "charge_idr")
    )


def test_a_replayed_batch_is_counted_and_moves_nothing():
    # given a batch already applied
    world = billable()
    readings_apply(meter=world.meter, readings=series([0, 3_000, 6_000]), source="mqtt")
    ledger_before = _ledger(world.meter)
    # when the same batch arrives again, plus one duplicate inside the batch
    again = series([0, 3_000, 6_000])
    result = readings_apply(meter=world.meter, readings=[*again, again[1]], source="http")
    # then nothing is stored or charged twice
    assert (result.accepted, result.duplicates, result.charged_idr) == (0, 4, 0)
    assert result.balance_idr == -30_000
    assert _ledger(world.meter) == ledger_before
    assert Reading.objects.filter(meter=world.meter).count() == 3


def test_a_late_reading_is_slotted_in_without_double_charging():
    # given readings at 0, 30 and 45 minutes
    world = billable()
    full = series([0, 5_000, 12_000, 20_000])
    readings_apply(meter=world.meter, readings=[full[0], full[2], full[3]], source="mqtt")
    assert _consumption(world.meter) == [
        (0, 0, 0),
        (12_000, 12_000, 62_000),
        (20_000, 8_000, 48_000),
    ]
    # when the 15-minute reading arrives late
    result = readings_apply(meter=world.meter, readings=[full[1]], source="mqtt")
    # then it takes its share from its successor; the month's litres and money are unchanged
    assert (result.accepted, result.consumption_litres, result.charged_idr) == (1, 0, 0)
    assert _consumption(world.meter) == [
        (0, 0, 0),
        (5_000, 5_000, 25_000),
        (12_000, 7_000, 37_000),
        (20_000, 8_000, 48_000),
    ]
    assert result.balance_idr == -110_000
    assert _ledger(world.meter)[-2:] == [("consumption", -25_000), ("consumption", 25_000)]


def test_a_rollover_is_unwrapped_and_flagged():
    world = billable(register_max_litres=1_000_000)
    result = readings_apply(meter=world.meter, readings=series([999_000, 500]), source="mqtt")
    assert result.consumption_litres == 1_500
    assert result.charged_idr == 7_500
    latest = Reading.objects.filter(meter=world.meter).latest("taken_at")
    assert latest.flags == ["rollover"]


def test_reverse_flow_is_stored_flagged_alerted_and_not_charged():
    world = billable()
    result = readings_apply(meter=world.meter, readings=series([5_000, 4_900]), source="mqtt")
    assert (result.accepted, result.consumption_litres, result.charged_idr) == (2, 0, 0)
    latest = Reading.objects.filter(meter=world.meter).latest("taken_at")
    assert latest.flags == ["reverse_flow"]
    alert = Alert.objects.get(meter=world.meter, kind=AlertKind.REVERSE_FLOW)
    assert alert.status == AlertStatus.OPEN


def test_a_reading_is_stored_and_charged_even_without_credit():
    # given an empty account
    world = billable()
    # when 2 m³ flow
    result = readings_apply(meter=world.meter, readings=series([0, 2_000]), source="http")
    # then the reading is kept and the balance goes negative
    assert result.accepted == 2
    assert result.balance_idr == -10_000
    assert PrepaidAccount.objects.get(meter=world.meter).balance_idr == -10_000


def test_the_fixed_charge_is_billed_once_per_local_month():
    world = billable(fixed_idr=7_500)
    readings_apply(meter=world.meter, readings=series([0]), source="mqtt")
    readings_apply(
        meter=world.meter, readings=series([1_000], start=T0 + timedelta(days=3)), source="mqtt"
    )
    # 2026-03-31 17:30 UTC is 2026-04-01 00:30 in Jakarta: a new local month
    april = datetime(2026, 3, 31, 17, 30, tzinfo=UTC)
    readings_apply(meter=world.meter, readings=series([2_000], start=april), source="mqtt")
    keys = list(
        LedgerEntry.objects.filter(kind=EntryKind.MONTHLY_CHARGE)
        .order_by("id")
        .values_list("idempotency_key", "amount_idr")
    )
    account = PrepaidAccount.objects.get(meter=world.meter)
    assert keys == [
        (f"fixed:{account.pk}:2026-03", -7_500),
        (f"fixed:{account.pk}:2026-04", -7_500),
    ]
    assert account.fixed_charge_month == date(2026, 4, 1)


def test_blocks_reset_at_the_start_of_the_local_month():
    # given 15 m³ in March (local) and 5 m³ just after local midnight of April 1st
    world = billable()
    end_of_march = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)  # 23:30 in Jakarta
    readings_apply(
        meter=world.meter,
        readings=series([0, 15_000], start=end_of_march, step_minutes=15),
        source="mqtt",
    )
    readings_apply(
        meter=world.meter,
        readings=series([20_000], start=datetime(2026, 3, 31, 17, 5, tzinfo=UTC)),
        source="mqtt",
    )
    # then April's 5 m³ are priced from the first block again
    assert _consumption(world.meter)[-1] == (20_000, 5_000, 25_000)
    account = PrepaidAccount.objects.get(meter=world.meter)
    assert (account.month_start, account.month_litres, account.month_consumption_idr) == (
        date(2026, 4, 1),
        5_000,
        25_000,
    )


def test_a_replacement_meter_starts_its_own_series_and_takes_over_the_balance():
    # given an old meter with Rp 30,000 of credit, replaced by a new one
    world = billable()
    account_credit(meter=world.meter, amount_idr=30_000, kind="topup", idempotency_key="k:old")
    new_meter = MeterFactory(
        tenant=world.tenant, customer=world.meter.customer, replaces=world.meter
    )
    # when the new meter's first reading arrives (its register starts at 12 litres)
    result = readings_apply(meter=new_meter, readings=series([12]), source="mqtt")
    # then it is not charged, and the balance moved by a pair of adjustments
    assert (result.consumption_litres, result.balance_idr) == (0, 30_000)
    assert PrepaidAccount.objects.get(meter=world.meter).balance_idr == 0
    assert _ledger(world.meter)[-1] == ("adjustment", -30_000)
    assert _ledger(new_meter) == [("adjustment", 30_000)]


def test_falling_below_the_threshold_alerts_once_and_signals_after_commit(
    django_capture_on_commit_callbacks,
):
    world = billable(low_balance_threshold_idr=10_000)
    account_credit(meter=world.meter, amount_idr=15_000, kind="topup", idempotency_key="k:1")
    received = []
    signals.balance_low.connect(
        lambda **kw: received.append(kw["balance_idr"]), weak=False, dispatch_uid="test-low"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            readings_apply(meter=world.meter, readings=series([0, 1_000]), source="mqtt")
        with django_capture_on_commit_callbacks(execute=True):
            readings_apply(
                meter=world.meter,
                readings=series([1_200], start=T0 + timedelta(hours=1)),
                source="mqtt",
            )
        with django_capture_on_commit_callbacks(execute=True):
            readings_apply(
                meter=world.meter,
                readings=series([1_400], start=T0 + timedelta(hours=2)),
                source="mqtt",
            )
    finally:
        signals.balance_low.disconnect(dispatch_uid="test-low")
    # 15,000 - 5,000 (1 m³) is not below 10,000; - 1,000 (200 L) is; the next does not re-signal
    assert received == [9_000]
    assert Alert.objects.get(meter=world.meter, kind=AlertKind.LOW_BALANCE).occurrences == 1
    assert PrepaidAccount.objects.get(meter=world.meter).low_balance_alerted is True


def test_exhausting_the_credit_closes_the_valve_and_signals(django_capture_on_commit_callbacks):
    world = billable()
    account_credit(meter=world.meter, amount_idr=5_000, kind="topup", idempotency_key="k:1")
    received = []
    signals.credit_exhausted.connect(
        lambda **kw: received.append(kw), weak=False, dispatch_uid="t-ex"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            readings_apply(meter=world.meter, readings=series([0, 2_000]), source="mqtt")
    finally:
        signals.credit_exhausted.disconnect(dispatch_uid="t-ex")
    assert received == [
        {
            "signal": signals.credit_exhausted,
            "sender": PrepaidAccount,
            "meter_id": world.meter.pk,
            "tenant_id": world.tenant.pk,
            "balance_idr": -5_000,
        }
    ]
    command = ValveCommand.objects.get(meter=world.meter, status=CommandStatus.PENDING)
    assert (command.kind, command.priority, command.reason, command.status) == (
        CommandKind.CLOSE,
        CommandPriority.HIGH,
        "credit exhausted",
        CommandStatus.PENDING,
    )
    assert Alert.objects.filter(meter=world.meter, kind=AlertKind.ZERO_BALANCE).count() == 1


def test_emergency_credit_holds_the_valve_open():
    world = billable(emergency_credit_idr=20_000)
    readings_apply(meter=world.meter, readings=series([0, 2_000]), source="mqtt")
    assert PrepaidAccount.objects.get(meter=world.meter).balance_idr == -10_000
    assert not ValveCommand.objects.filter(meter=world.meter, kind=CommandKind.CLOSE).exists()
    assert Alert.objects.filter(meter=world.meter, kind=AlertKind.ZERO_BALANCE).count() == 1
    # past the emergency credit the valve closes
    readings_apply(
        meter=world.meter, readings=series([4_000], start=T0 + timedelta(hours=1)), source="mqtt"
    )
    assert ValveCommand.objects.filter(meter=world.meter, kind=CommandKind.CLOSE).count() == 1


def test_the_meter_remembers_its_latest_reading():
    world = billable()
    later = series([0, 700])
    readings_apply(meter=world.meter, readings=[later[1]], source="mqtt")
    readings_apply(meter=world.meter, readings=[later[0]], source="mqtt")
    world.meter.refresh_from_db()
    assert (world.meter.last_register_litres, world.meter.last_reading_at) == (
        700,
        later[1].taken_at,
    )


def test_naive_times_and_unknown_sources_are_refused():
    world = billable()
    naive = ReadingInput(taken_at=datetime(2026, 3, 1, 8, 0), register_litres=1)  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        readings_apply(meter=world.meter, readings=[naive], source="mqtt")
    with pytest.raises(ValueError, match="Unknown reading source"):
        readings_apply(meter=world.meter, readings=series([1]), source="lora")
    assert not Reading.objects.filter(meter=world.meter).exists()


def _count_queries(meter, readings) -> int:
    with CaptureQueriesContext(connection) as captured:
        readings_apply(meter=meter, readings=readings, source="mqtt")
    return len(captured.captured_queries)


def test_a_batch_costs_the_same_queries_whatever_its_size():
    # given two meters that have reported before
    small, large = billable(), billable()
    for world in (small, large):
        readings_apply(meter=world.meter, readings=series([0]), source="mqtt")
    start = T0 + timedelta(minutes=15)
    # when one applies 10 readings and the other 100
    ten = _count_queries(small.meter, series(list(range(100, 1_100, 100)), start=start))
    hundred = _count_queries(large.meter, series(list(range(100, 10_100, 100)), start=start))
    # then both cost the same fixed number of statements
    # (savepoint, lock, replay guard, client, anchor, tail, class, month volume, tariff and
    # blocks, insert, ids, ledger insert, alert and command checks, account, meter, the
    # portal user and valve state for the live event, the live event insert, the daily usage
    # rollup upsert, release)
    assert ten == hundred == 22


def test_a_tenant_without_a_client_profile_is_billed_under_the_default_rules():
    # given a meter whose tenant has no client profile (defaults: Jakarta, Rp 10,000 threshold)
    meter = MeterFactory()
    # when a reading arrives with no tariff in force
    result = readings_apply(meter=meter, readings=series([0, 1_000]), source="http")
    # then it is stored with its litres, charged nothing, and the account exists
    assert (result.accepted, result.consumption_litres, result.charged_idr) == (2, 1_000, 0)
    assert Reading.objects.filter(meter=meter).count() == 2
    assert PrepaidAccount.objects.get(meter=meter).month_litres == 1_000
