"""Matrix cases of the customer workspace pages and the installable app's files (IndoWater)."""

from __future__ import annotations

from tests.authz.cases import Case, Ctx, static
from water.tests.factories import CustomerFactory, MeterFactory


def _own_meter_id(ctx: Ctx) -> int:
    tenant = ctx.owner.memberships.first().tenant
    customer = CustomerFactory(tenant=tenant, user=ctx.owner)
    return MeterFactory(tenant=tenant, customer=customer).pk


def _usage_csv(ctx: Ctx) -> tuple[str, None]:
    return f"/water/my/usage.csv?meter={_own_meter_id(ctx)}&period=daily", None


def _usage(ctx: Ctx) -> tuple[str, None]:
    return f"/water/my/usage/?meter={_own_meter_id(ctx)}&period=weekly", None


CASES: dict[tuple[str, str], Case] = {
    ("*", "/water/my/"): static("/water/my/"),
    ("*", "/water/my/usage/"): Case(build=_usage),
    ("*", "/water/my/usage.csv"): Case(build=_usage_csv),
    ("*", "/water/my/payments/"): static("/water/my/payments/?state=paid&q=IW"),
    ("*", "/water/manifest.webmanifest"): static("/water/manifest.webmanifest"),
    ("*", "/water/offline/"): static("/water/offline/"),
}
