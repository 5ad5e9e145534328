"""Matrix cases of the top-up API and the customer's top-up page (IndoWater)."""

from __future__ import annotations

from typing import Any

from tests.authz.cases import Case, Ctx, api, static
from water.tests.factories import CustomerFactory, MeterFactory

W = "/api/v1/water"


def _own_meter_id(ctx: Ctx) -> int:
    tenant = ctx.owner.memberships.first().tenant
    customer = CustomerFactory(tenant=tenant, user=ctx.owner)
    return MeterFactory(tenant=tenant, customer=customer).pk


def _options(ctx: Ctx) -> tuple[str, None]:
    return f"{W}/me/meters/{_own_meter_id(ctx)}/topup-options", None


def _start(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    body = {"amount_idr": 50_000, "gateway": "sandbox", "method": "qris"}
    return f"{W}/me/meters/{_own_meter_id(ctx)}/topups", body


def _balance_page(ctx: Ctx) -> tuple[str, None]:
    return f"/water/topup/meters/{_own_meter_id(ctx)}/balance/", None


CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{W}/me/meters/{{meter_id}}/topup-options"): api(_options),
    ("POST", f"{W}/me/meters/{{meter_id}}/topups"): api(_start, ok=(201,)),
    ("GET", f"{W}/me/payments"): api(lambda ctx: (f"{W}/me/payments", None)),
    ("GET", f"{W}/tenants/{{tenant_id}}/payments"): api(
        lambda ctx: (f"{W}/tenants/{ctx.tenant.pk}/payments", None)
    ),
    ("*", "/water/topup/"): static("/water/topup/"),
    ("*", "/water/topup/summary/"): static("/water/topup/summary/?amount=50000"),
    ("*", "/water/topup/meters/<int:meter_id>/balance/"): Case(build=_balance_page),
}
