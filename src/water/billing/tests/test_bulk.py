"""`readings_apply_many` is `readings_apply` per meter, only faster.

Random multi-meter batches are applied to two identical fresh worlds, one meter at a time
with `readings_apply` and all at once with `readings_apply_many`; every stored reading,
daily usage row, ledger entry, account, meter, alert, valve command, signal and returned
result must match, and each meter's daily usage must equal `consumption_for`'s buckets.
The batches mix the fast path (in-order readings within a month) with everything it hands
to the per-meter path: replays, late readings, reverse flow, month changes, a meter without
an account yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from water.billing import signals
from water.billing.inputs import ReadingInput
from water.billing.models import DailyUsage, LedgerEntry, PrepaidAccount
from water.billing.selectors import consumption_for
from water.billing.services import account_credit, readings_apply
from water.billing.services.bulk import readings_apply_many
from water.billing.services.ledger_check import ledger_check
from water.billing.tests.factories import billable
from water.meters.models import Meter, Reading
from water.tests.factories import MeterFactory
from water.valves.models import Alert, ValveCommand

pytestmark = pytest.mark.django_db

# 20:00 in Jakarta on April 30th: a series of 30-minute readings crosses into May at 17:00 UTC.
START = datetime(2026, 4, 30, 13, 0, tzinfo=UTC)
METERS = 4
LAST_DAY = date(2026, 5, 2)
SIGNALS = (signals.balance_low, signals.credit_exhausted, signals.credit_restored)


@dataclass(frozen=True)
class World:
    meters: list[Meter]


def _world(balances: list[int | None]) -> World:
    """A tenant with a fixed charge, meters with and without a customer, funded as given
    (None: no account yet)."""
    base = billable(fixed_idr=2_500, low_balance_threshold_idr=20_000)
    meters = [base.meter]
    for index in range(1, METERS):
        customer = base.meter.customer if index % 2 else None
        meters.append(MeterFactory(tenant=base.tenant, customer=customer))
    for meter, balance in zip(meters, balances, strict=True):
        if balance is not None:
            account_credit(meter=meter, amount_idr=balance, kind="topup", idempotency_key=None)
    return World(meters)


moves = st.one_of(
    st.integers(min_value=0, max_value=900),  # forward flow (the common case)
    st.just(0),  # no flow
    st.integers(min_value=-50, max_value=-1),  # reverse flow
)


@st.composite
def meter_rounds(draw, index: int) -> list[list[ReadingInput]]:
    """One meter's readings, cut into per-round deliveries (maybe shuffled or replayed)."""
    registers = [draw(st.integers(min_value=100, max_value=10_000))]
    for move in draw(st.lists(moves, min_size=0, max_size=10)):
        registers.append(max(0, registers[-1] + move))
    offset = draw(st.integers(min_value=0, max_value=6))
    readings = [
        ReadingInput(
            taken_at=START + timedelta(minutes=30 * (offset + i)),
            register_litres=r,
            battery_pct=draw(st.none() | st.integers(min_value=10, max_value=100)),
            signal_dbm=draw(st.none() | st.integers(min_value=-120, max_value=-40)),
        )
        for i, r in enumerate(registers)
    ]
    if draw(st.booleans()) and draw(st.booleans()):
        readings = draw(st.permutations(readings))
    readings += draw(st.lists(st.sampled_from(readings), max_size=2))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(readings) - 1)), max_size=4)))
    bounds = zip([0, *cuts], [*cuts, len(readings)], strict=True)
    return [readings[a:b] for a, b in bounds if readings[a:b]]


@st.composite
def scenarios(draw):
    balances = [
        draw(st.none() | st.integers(min_value=1, max_value=60_000))
        if i == METERS - 1
        else draw(st.integers(min_value=1, max_value=60_000))
        for i in range(METERS)
    ]
    per_meter = [draw(meter_rounds(i)) for i in range(METERS)]
    return balances, per_meter


def _state(world: World) -> dict[str, object]:
    index = {m.pk: i for i, m in enumerate(world.meters)}
    instant = dict(Reading.objects.filter(meter__in=world.meters).values_list("pk", "taken_at"))
    accounts = {
        a.pk: index[a.meter_id] for a in PrepaidAccount.objects.filter(meter__in=world.meters)
    }
    readings = [
        (index[m], *rest)
        for m, *rest in Reading.objects.filter(meter__in=world.meters)
        .order_by("meter_id", "taken_at")
        .values_list(
            "meter_id",
            "taken_at",
            "register_litres",
            "consumption_litres",
            "charge_idr",
            "flags",
            "source",
            "battery_pct",
            "signal_dbm",
        )
    ]

    def normal(key: str | None) -> str | None:
        if key is None:
            return None
        kind, _, rest = key.partition(":")
        if kind == "reading":
            return f"reading:{instant[int(rest)].isoformat()}"
        if kind == "fixed":
            account, _, month = rest.partition(":")
            return f"fixed:{accounts[int(account)]}:{month}"
        return key

    ledger = [
        (accounts[a], kind, amount, after, normal(key), instant.get(r), memo)
        for a, kind, amount, after, key, r, memo in LedgerEntry.objects.filter(
            account__meter__in=world.meters
        )
        .exclude(kind="topup")
        .order_by("account__meter_id", "pk")
        .values_list(
            "account_id",
            "kind",
            "amount_idr",
            "balance_after_idr",
            "idempotency_key",
            "reading_id",
            "memo",
        )
    ]
    account_rows = sorted(
        (index[m], *rest)
        for m, *rest in PrepaidAccount.objects.filter(meter__in=world.meters).values_list(
            "meter_id",
            "balance_idr",
            "month_start",
            "month_litres",
            "month_consumption_idr",
            "fixed_charge_month",
            "low_balance_alerted",
        )
    )
    meters = [
        (index[m], *rest)
        for m, *rest in Meter.objects.filter(pk__in=index)
        .order_by("pk")
        .values_list(
            "pk",
            "last_register_litres",
            "last_reading_at",
            "battery_pct",
            "signal_dbm",
            "valve_state",
        )
    ]
    alerts = sorted(
        (index[m], *rest)
        for m, *rest in Alert.objects.filter(meter__in=world.meters).values_list(
            "meter_id", "kind", "severity", "status", "occurrences", "message"
        )
    )
    commands = sorted(
        (index[m], *rest)
        for m, *rest in ValveCommand.objects.filter(meter__in=world.meters).values_list(
            "meter_id", "kind", "status", "priority", "reason"
        )
    )
    usage = sorted(
        (index[m], *rest)
        for m, *rest in DailyUsage.objects.filter(meter__in=world.meters).values_list(
            "meter_id", "day", "litres", "charge_idr", "readings"
        )
    )
    return {
        "readings": readings,
        "usage": usage,
        "ledger": ledger,
        "accounts": account_rows,
        "meters": meters,
        "alerts": alerts,
        "commands": commands,
    }


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(scenario=scenarios())
def test_bulk_apply_matches_per_meter_apply(scenario, django_capture_on_commit_callbacks):
    balances, per_meter = scenario
    # given two identical worlds
    one_by_one, bulk = _world(balances), _world(balances)
    sent: dict[int, list[tuple[str, int, int]]] = {id(one_by_one): [], id(bulk): []}
    rounds = max(len(r) for r in per_meter)
    results: dict[int, list[object]] = {id(one_by_one): [], id(bulk): []}

    def record(world: World):
        index = {m.pk: i for i, m in enumerate(world.meters)}

        def receiver(signal, sender, meter_id, tenant_id, balance_idr, **kwargs):
            sent[id(world)].append((SIGNALS.index(signal), index[meter_id], balance_idr))

        return receiver

    # when each round's readings go in meter by meter in one world and all at once in the other
    for world in (one_by_one, bulk):
        receiver = record(world)
        for signal in SIGNALS:
            signal.connect(receiver, weak=False)
        try:
            for r in range(rounds):
                batch = {
                    m.pk: (m, rounds_of[r])
                    for m, rounds_of in zip(world.meters, per_meter, strict=True)
                    if r < len(rounds_of)
                }
                with django_capture_on_commit_callbacks(execute=True):
                    if world is bulk:
                        answer = readings_apply_many(batch, source="mqtt")
                    else:
                        answer = {
                            pk: readings_apply(meter=m, readings=items, source="mqtt")
                            for pk, (m, items) in sorted(batch.items())
                        }
                index = {m.pk: i for i, m in enumerate(world.meters)}
                results[id(world)].append(sorted((index[k], v) for k, v in answer.items()))
        finally:
            for signal in SIGNALS:
                signal.disconnect(receiver)

    # then everything stored, returned and signalled is the same
    assert _state(bulk) == _state(one_by_one)
    assert results[id(bulk)] == results[id(one_by_one)]
    assert sorted(sent[id(bulk)]) == sorted(sent[id(one_by_one)])
    assert ledger_check().problems == []
    # and the daily rollup both paths kept is what consumption_for reads from the readings
    for world in (one_by_one, bulk):
        for meter in world.meters:
            buckets = consumption_for(
                meter=meter, period="daily", date_from=START.date(), date_to=LAST_DAY
            )
            assert _usage(meter) == [
                (b.period_start, b.litres, b.charge_idr, b.readings) for b in buckets
            ]


def _usage(meter: Meter) -> list[tuple[date, int, int, int]]:
    return list(
        DailyUsage.objects.filter(meter=meter)
        .order_by("day")
        .values_list("day", "litres", "charge_idr", "readings")
    )


def test_in_order_batch_takes_a_fixed_number_of_queries(django_assert_max_num_queries):
    world = _world([50_000] * METERS)
    first = [ReadingInput(START - timedelta(minutes=1), 90), ReadingInput(START, 100)]
    for meter in world.meters:  # a charged latest reading: the next batch takes the fast path
        readings_apply(meter=meter, readings=first, source="mqtt")
    batch = {
        m.pk: (
            m,
            [ReadingInput(START + timedelta(minutes=i), 100 + 10 * i) for i in range(1, 50)],
        )
        for m in world.meters
    }
    # savepoint, lock, latest, classes, client, tariff (<= 3), fixed keys, 2 inserts,
    # the rollup upsert, 2 bulk updates, release: the same for 4 meters or 400
    with django_assert_max_num_queries(16):
        results = readings_apply_many(batch, source="mqtt")
    assert {r.accepted for r in results.values()} == {49}
    assert [_usage(m) for m in world.meters] == [
        [(date(2026, 4, 30), 500, sum(r.charge_idr for r in m.readings.all()), 51)]
        for m in world.meters
    ]
