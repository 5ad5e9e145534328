"""Arrival order does not matter: any permutation and duplication of a reading series ends
with the same balance, the same per-reading litres and charges, and the same monthly volumes
as in-order delivery; and the litres charged equal highest minus first register."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from water.billing.inputs import ReadingInput
from water.billing.models import LedgerEntry, PrepaidAccount
from water.billing.services import readings_apply
from water.billing.services.ledger_check import ledger_check
from water.billing.services.series import series_steps
from water.billing.tests.factories import billable
from water.meters.models import Reading

pytestmark = pytest.mark.django_db

REGISTER_MAX = 1_000_000
# 22:00 in Jakarta on March 31st: the series crosses into April (local) after two hours.
START = datetime(2026, 3, 31, 15, 0, tzinfo=UTC)

movements = st.one_of(
    st.integers(min_value=0, max_value=9_000),  # forward flow (may wrap the register)
    st.integers(min_value=-400, max_value=-1),  # reverse flow
)


@st.composite
def deliveries(draw):
    first = draw(st.integers(min_value=0, max_value=REGISTER_MAX - 1))
    moves = draw(st.lists(movements, min_size=1, max_size=10))
    registers = [first]
    for move in moves:
        registers.append((registers[-1] + move) % REGISTER_MAX)
    readings = [
        ReadingInput(taken_at=START + timedelta(minutes=30 * i), register_litres=r)
        for i, r in enumerate(registers)
    ]
    extra = draw(st.lists(st.sampled_from(readings), max_size=4))
    shuffled = draw(st.permutations(readings + extra))
    cuts = sorted(draw(st.sets(st.integers(1, len(shuffled) - 1), max_size=4)))
    batches = [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(shuffled)], strict=True)]
    return readings, batches


def _outcome(meter):
    readings = list(
        Reading.objects.filter(meter=meter)
        .order_by("taken_at")
        .values_list("taken_at", "consumption_litres", "charge_idr")
    )
    return PrepaidAccount.objects.get(meter=meter).balance_idr, readings


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(deliveries())
def test_any_arrival_order_and_any_replay_bills_like_in_order_delivery(delivery):
    readings, batches = delivery
    # given two identical meters
    in_order = billable(fixed_idr=3_000, register_max_litres=REGISTER_MAX)
    shuffled = billable(fixed_idr=3_000, register_max_litres=REGISTER_MAX)
    # when one gets the readings one by one in time order, the other shuffled and replayed
    for reading in readings:
        readings_apply(meter=in_order.meter, readings=[reading], source="mqtt")
    for batch in batches:
        readings_apply(meter=shuffled.meter, readings=batch, source="http")
    # then balances, per-reading litres and charges are the same
    expected_balance, expected_rows = _outcome(in_order.meter)
    balance, rows = _outcome(shuffled.meter)
    assert balance == expected_balance
    assert [r[1:] for r in rows] == [r[1:] for r in expected_rows]
    # and the litres charged equal the highest unwrapped register minus the first
    steps = series_steps([r.register_litres for r in readings], REGISTER_MAX)
    assert sum(r[1] for r in rows) == sum(s.consumption_litres for s in steps)
    # and the monthly volumes agree (April starts at 17:00 UTC)
    boundary = datetime(2026, 3, 31, 17, 0, tzinfo=UTC)
    for meter in (in_order.meter, shuffled.meter):
        march = Reading.objects.filter(meter=meter, taken_at__lt=boundary)
        april = Reading.objects.filter(meter=meter, taken_at__gte=boundary)
        assert march.aggregate(v=Sum("consumption_litres"))["v"] == sum(
            r[1] for r in expected_rows if r[0] < boundary
        )
        assert (april.aggregate(v=Sum("consumption_litres"))["v"] or 0) == sum(
            r[1] for r in expected_rows if r[0] >= boundary
        )
    # and the ledger still proves every balance
    assert ledger_check().problems == []
    assert (
        LedgerEntry.objects.filter(account__meter=shuffled.meter).aggregate(s=Sum("amount_idr"))[
            "s"
        ]
        == balance
    )
