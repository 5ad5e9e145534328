"""Live balance events: `water.balance` to the meters' customers and the tenants' staff.

One event per audience per call, each carrying the list of meters that changed, so a
reading batch of hundreds of meters costs one row and one push per tenant (and one per
customer with a portal account), not one per meter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from core.realtime.services import Event, publish_many
from water.meters.models import Meter

LIVE_BALANCE = "water.balance"
MAX_METERS_PER_EVENT = 500


def _chunks(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [
        items[start : start + MAX_METERS_PER_EVENT]
        for start in range(0, len(items), MAX_METERS_PER_EVENT)
    ]


def balances_publish(balances: Mapping[int, int]) -> None:
    """Publish the meters' new balances (meter id → Rupiah) in the caller's transaction.

    Data: ``{"meters": [{"meter_id", "balance_idr", "valve_state"}, …]}``, meters in id
    order. One query for the meters' tenants, valve states and portal users, one bulk insert.
    """
    if not balances:
        return
    rows = Meter.objects.filter(pk__in=list(balances)).values_list(
        "pk", "tenant_id", "valve_state", "customer__user_id"
    )
    by_tenant: dict[int, list[dict[str, Any]]] = defaultdict(list)
    by_user: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for pk, tenant_id, valve_state, user_id in sorted(rows):
        item = {"meter_id": pk, "balance_idr": balances[pk], "valve_state": valve_state}
        by_tenant[tenant_id].append(item)
        if user_id is not None:
            by_user[user_id].append(item)
    events = [
        Event(LIVE_BALANCE, {"meters": chunk}, tenants=[tenant_id])
        for tenant_id, items in sorted(by_tenant.items())
        for chunk in _chunks(items)
    ]
    events += [
        Event(LIVE_BALANCE, {"meters": chunk}, users=[user_id])
        for user_id, items in sorted(by_user.items())
        for chunk in _chunks(items)
    ]
    publish_many(events)
