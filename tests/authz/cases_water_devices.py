"""Matrix cases of the device and provisioning API (IndoWater).

Device routes are public for people: the request signature of the meter decides (see
water.meters.devices.auth). The matrix client cannot sign, so every caller it plays, signed
in or not, must be refused with 401; the signed paths are proven in
src/water/meters/tests/test_devices_*.py.
"""

from __future__ import annotations

from typing import Any

from tests.authz.cases import Case, Ctx, api
from tests.factories import TenantFactory
from water.meters.devices.provisioning import provisioning_token_issue
from water.tests.factories import MeterFactory, ValveCommandFactory


def _provisioning(ctx: Ctx) -> tuple[str, None]:
    meter = MeterFactory(tenant=ctx.tenant)
    return f"/api/v1/water/tenants/{ctx.tenant.pk}/meters/{meter.pk}/provisioning-token", None


def _enrol(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    meter = MeterFactory(tenant=TenantFactory())
    issued = provisioning_token_issue(meter=meter, actor=None)
    return "/api/v1/water/devices/enrol", {"serial": meter.serial, "token": issued.token}


def _ack(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    command = ValveCommandFactory()
    return (
        f"/api/v1/water/devices/commands/{command.pk}/ack",
        {"status": "acknowledged", "valve_state": "closed"},
    )


CASES: dict[tuple[str, str], Case] = {
    ("POST", "/api/v1/water/tenants/{tenant_id}/meters/{meter_id}/provisioning-token"): Case(
        build=_provisioning, method="POST", ok=frozenset({201})
    ),
    ("POST", "/api/v1/water/devices/enrol"): Case(build=_enrol, method="POST"),
    ("POST", "/api/v1/water/devices/readings"): api(
        lambda ctx: (
            "/api/v1/water/devices/readings",
            {"readings": [{"taken_at": "2026-03-02T08:00:00+07:00", "register_litres": 1}]},
        ),
        ok=(401,),
    ),
    ("GET", "/api/v1/water/devices/commands"): api(
        lambda ctx: ("/api/v1/water/devices/commands", None), ok=(401,)
    ),
    ("POST", "/api/v1/water/devices/commands/{command_id}/ack"): api(_ack, ok=(401,)),
}
