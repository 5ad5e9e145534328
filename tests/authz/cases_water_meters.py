"""Matrix cases of the meters, valves and alerts API (IndoWater)."""

from __future__ import annotations

from typing import Any

from tests.authz.cases import Case, Ctx, api
from water.tests.factories import (
    AlertFactory,
    CustomerFactory,
    MeterFactory,
    PropertyFactory,
    ValveCommandFactory,
)

BASE = "/api/v1/water/tenants/{tenant_id}"


def _url(ctx: Ctx, suffix: str) -> str:
    return f"/api/v1/water/tenants/{ctx.tenant.pk}{suffix}"


def _meter_url(ctx: Ctx, suffix: str = "") -> str:
    meter = MeterFactory(tenant=ctx.tenant)
    return _url(ctx, f"/meters/{meter.pk}{suffix}")


def _register(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    prop = PropertyFactory(tenant=ctx.tenant)
    return _url(ctx, "/meters"), {"serial": f"IW-MATRIX-{prop.pk}", "property_id": prop.pk}


def _assign(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    customer = CustomerFactory(tenant=ctx.tenant)
    return _meter_url(ctx, "/customer"), {"customer_id": customer.pk}


def _unassign(ctx: Ctx) -> tuple[str, None]:
    meter = MeterFactory(tenant=ctx.tenant, customer=CustomerFactory(tenant=ctx.tenant))
    return _url(ctx, f"/meters/{meter.pk}/customer"), None


def _replace(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    meter = MeterFactory(tenant=ctx.tenant)
    return _url(ctx, f"/meters/{meter.pk}/replace"), {"new_serial": f"IW-NEW-{meter.pk}"}


def _cancel(ctx: Ctx) -> tuple[str, None]:
    command = ValveCommandFactory(meter=MeterFactory(tenant=ctx.tenant))
    return _url(ctx, f"/commands/{command.pk}/cancel"), None


def _alert_url(ctx: Ctx, action: str) -> tuple[str, None]:
    alert = AlertFactory(meter=MeterFactory(tenant=ctx.tenant))
    return _url(ctx, f"/alerts/{alert.pk}/{action}"), None


CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{BASE}/meters"): api(lambda ctx: (_url(ctx, "/meters"), None)),
    ("POST", f"{BASE}/meters"): api(_register, ok=(201,)),
    ("GET", f"{BASE}/meters/{{meter_id}}"): api(lambda ctx: (_meter_url(ctx), None)),
    ("GET", f"{BASE}/meters/{{meter_id}}/status"): api(
        lambda ctx: (_meter_url(ctx, "/status"), None)
    ),
    ("PUT", f"{BASE}/meters/{{meter_id}}/customer"): api(_assign),
    ("DELETE", f"{BASE}/meters/{{meter_id}}/customer"): api(_unassign),
    ("POST", f"{BASE}/meters/{{meter_id}}/replace"): api(_replace, ok=(201,)),
    ("POST", f"{BASE}/meters/{{meter_id}}/retire"): api(
        lambda ctx: (_meter_url(ctx, "/retire"), None)
    ),
    ("GET", "/api/v1/water/me/meters"): api(lambda ctx: ("/api/v1/water/me/meters", None)),
    ("POST", f"{BASE}/meters/{{meter_id}}/valve"): api(
        lambda ctx: (_meter_url(ctx, "/valve"), {"action": "close", "reason": "matrix check"}),
        ok=(202,),
    ),
    ("GET", f"{BASE}/meters/{{meter_id}}/commands"): api(
        lambda ctx: (_meter_url(ctx, "/commands"), None)
    ),
    ("POST", f"{BASE}/commands/{{command_id}}/cancel"): api(_cancel),
    ("GET", f"{BASE}/alerts"): api(lambda ctx: (_url(ctx, "/alerts"), None)),
    ("POST", f"{BASE}/alerts/{{alert_id}}/acknowledge"): api(
        lambda ctx: _alert_url(ctx, "acknowledge")
    ),
    ("POST", f"{BASE}/alerts/{{alert_id}}/resolve"): api(lambda ctx: _alert_url(ctx, "resolve")),
}
