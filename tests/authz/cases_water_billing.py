"""Matrix cases of the tariffs and billing API (IndoWater)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.authz.cases import Case, Ctx, api
from water.tariffs.tests.factories import tariff_with_blocks
from water.tests.factories import CustomerFactory, MeterFactory

W = "/api/v1/water"
BASE = W + "/tenants/{tenant_id}"
BLOCKS = [
    {"from_litres": 0, "to_litres": 10_000, "price_per_m3_idr": 5_000},
    {"from_litres": 10_000, "to_litres": None, "price_per_m3_idr": 6_000},
]


def _url(ctx: Ctx, suffix: str) -> str:
    return f"{W}/tenants/{ctx.tenant.pk}{suffix}"


def _meter_url(ctx: Ctx, suffix: str) -> tuple[str, None]:
    return _url(ctx, f"/meters/{MeterFactory(tenant=ctx.tenant).pk}{suffix}"), None


def _tariff_url(ctx: Ctx, suffix: str = "", *, future: bool = False) -> str:
    start = date(2099, 1, 1) if future else date(2020, 1, 1)
    tariff = tariff_with_blocks(tenant=ctx.tenant, effective_from=start)
    return _url(ctx, f"/tariffs/{tariff.pk}{suffix}")


def _create(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    body = {
        "name": "Tarif Niaga",
        "customer_class": "commercial",
        "effective_from": "2026-01-01",
        "blocks": BLOCKS,
    }
    return _url(ctx, "/tariffs"), body


def _own_meter(ctx: Ctx, suffix: str) -> tuple[str, None]:
    tenant = ctx.owner.memberships.first().tenant
    customer = CustomerFactory(tenant=tenant, user=ctx.owner)
    meter = MeterFactory(tenant=tenant, customer=customer)
    return f"{W}/me/meters/{meter.pk}{suffix}", None


def _topup(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    url, _ = _meter_url(ctx, "/topups")
    return url, {"amount_idr": 50_000, "reason": "cash at the counter"}


def _adjust(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    url, _ = _meter_url(ctx, "/adjustments")
    return url, {"amount_idr": -5_000, "reason": "meter read twice"}


CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{BASE}/tariffs"): api(lambda ctx: (_url(ctx, "/tariffs"), None)),
    ("POST", f"{BASE}/tariffs"): api(_create, ok=(201,)),
    ("GET", f"{BASE}/tariffs/{{tariff_id}}"): api(lambda ctx: (_tariff_url(ctx), None)),
    ("PATCH", f"{BASE}/tariffs/{{tariff_id}}"): api(
        lambda ctx: (_tariff_url(ctx), {"name": "Renamed"})
    ),
    ("DELETE", f"{BASE}/tariffs/{{tariff_id}}"): api(
        lambda ctx: (_tariff_url(ctx, future=True), None), ok=(204,)
    ),
    ("POST", f"{BASE}/tariffs/{{tariff_id}}/quote"): api(
        lambda ctx: (_tariff_url(ctx, "/quote"), {"litres": 25_000})
    ),
    ("GET", f"{BASE}/meters/{{meter_id}}/ledger"): api(lambda ctx: _meter_url(ctx, "/ledger")),
    ("GET", f"{BASE}/meters/{{meter_id}}/consumption"): api(
        lambda ctx: _meter_url(ctx, "/consumption")
    ),
    ("GET", f"{BASE}/meters/{{meter_id}}/balance"): api(lambda ctx: _meter_url(ctx, "/balance")),
    ("POST", f"{BASE}/meters/{{meter_id}}/topups"): api(_topup, ok=(201,)),
    ("POST", f"{BASE}/meters/{{meter_id}}/adjustments"): api(_adjust, ok=(201,)),
    ("GET", f"{W}/me/meters/{{meter_id}}/ledger"): api(lambda ctx: _own_meter(ctx, "/ledger")),
    ("GET", f"{W}/me/meters/{{meter_id}}/consumption"): api(
        lambda ctx: _own_meter(ctx, "/consumption")
    ),
}
