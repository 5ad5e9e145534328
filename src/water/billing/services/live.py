"""Live balance events: `water.balance` to the meter's customer and the tenant's staff."""

from __future__ import annotations

from collections.abc import Mapping

from core.realtime.services import Event, publish_many
from water.meters.models import Meter

LIVE_BALANCE = "water.balance"


def balances_publish(balances: Mapping[int, int]) -> None:
    """Publish each meter's new balance (meter id → Rupiah) in the caller's transaction.

    One query for the meters' tenants, valve states and customers' portal users, and one
    bulk insert, whatever the number of meters.
    """
    if not balances:
        return
    rows = Meter.objects.filter(pk__in=list(balances)).values_list(
        "pk", "tenant_id", "valve_state", "customer__user_id"
    )
    publish_many(
        Event(
            LIVE_BALANCE,
            {"meter_id": pk, "balance_idr": balances[pk], "valve_state": valve_state},
            users=[] if user_id is None else [user_id],
            tenants=[tenant_id],
        )
        for pk, tenant_id, valve_state, user_id in sorted(rows)
    )
