"""Matrix cases of the staff operations pages: dashboard, meters and alerts (IndoWater)."""

from __future__ import annotations

from typing import Any

from tests.authz.cases import Case, Ctx
from water.tests.factories import AlertFactory, CustomerFactory, MeterFactory, PropertyFactory

T = "/water/t/<int:tenant_id>"
M = f"{T}/meters/<int:meter_id>"


def _url(ctx: Ctx, suffix: str = "") -> str:
    return f"/water/t/{ctx.tenant.pk}/{suffix}"


def _page(suffix: str) -> Case:
    return Case(build=lambda ctx: (_url(ctx, suffix), None))


def _meter(ctx: Ctx, suffix: str = "", **fields: Any) -> str:
    meter = MeterFactory(tenant=ctx.tenant, **fields)
    return _url(ctx, f"meters/{meter.pk}/{suffix}")


def _post(build, *, ok: int) -> Case:
    return Case(build=build, method="POST", ok=frozenset({ok}))


def _register(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    prop = PropertyFactory(tenant=ctx.tenant)
    return _url(ctx, "meters/new/"), {"serial": f"IW-OPS-{prop.pk}", "property_code": prop.code}


def _unassign(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    customer = CustomerFactory(tenant=ctx.tenant)
    return _meter(ctx, "customer/", customer=customer), {"action": "unassign"}


def _alert(ctx: Ctx) -> tuple[str, None]:
    alert = AlertFactory(meter=MeterFactory(tenant=ctx.tenant))
    return _url(ctx, f"alerts/{alert.pk}/acknowledge/"), None


CASES: dict[tuple[str, str], Case] = {
    ("*", f"{T}/"): _page(""),
    ("*", f"{T}/meters/"): _page("meters/?q=IW&valve=open&link=online&low_credit=1"),
    ("*", f"{T}/meters/new/"): _post(_register, ok=201),
    ("*", f"{M}/"): Case(build=lambda ctx: (_meter(ctx), None)),
    ("*", f"{M}/valve/"): _post(
        lambda ctx: (_meter(ctx, "valve/"), {"action": "close", "reason": "matrix check"}),
        ok=303,
    ),
    ("*", f"{M}/topup/"): _post(
        lambda ctx: (_meter(ctx, "topup/"), {"amount_idr": "10000", "reason": "counter"}),
        ok=303,
    ),
    ("*", f"{M}/customer/"): _post(_unassign, ok=303),
    ("*", f"{M}/replace/"): _post(
        lambda ctx: (_meter(ctx, "replace/"), {"new_serial": f"IW-RPL-{ctx.tenant.pk}"}), ok=303
    ),
    ("*", f"{M}/retire/"): _post(lambda ctx: (_meter(ctx, "retire/"), None), ok=303),
    ("*", f"{M}/provisioning-token/"): _post(
        lambda ctx: (_meter(ctx, "provisioning-token/"), None), ok=201
    ),
    ("*", f"{T}/alerts/"): _page("alerts/?status=open&severity=warning"),
    ("*", f"{T}/alerts/<int:alert_id>/<str:action>/"): _post(_alert, ok=303),
}
