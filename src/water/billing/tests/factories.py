"""A billable meter: a water authority, a residential customer, a meter and a tariff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from core.tenancy.models import Tenant
from tests.factories import TenantFactory
from water.billing.inputs import ReadingInput
from water.meters.models import Meter
from water.registry.models import Client
from water.tariffs.models import Tariff
from water.tariffs.tests.factories import EXAMPLE_BLOCKS, tariff_with_blocks
from water.tests.factories import ClientFactory, CustomerFactory, MeterFactory

# 2026-03-02 08:00 in Jakarta (UTC+7): a Monday, outside the default no-disconnect window.
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Billable:
    """Everything a billing test needs, wired together."""

    tenant: Tenant
    client: Client
    meter: Meter
    tariff: Tariff


def billable(
    *,
    blocks: tuple[tuple[int, int | None, int], ...] = EXAMPLE_BLOCKS,
    fixed_idr: int = 0,
    minimum_idr: int = 0,
    register_max_litres: int = 100_000_000,
    **client_fields: object,
) -> Billable:
    """A fresh tenant with a client profile, a residential customer's meter and a tariff.

    Friendly credit is off unless asked for (no window, no Sundays), so a test's outcome
    does not depend on the wall clock.
    """
    tenant = TenantFactory()
    rules: dict[str, object] = {
        "no_disconnect_from": time(0),
        "no_disconnect_until": time(0),
        "no_disconnect_sundays": False,
        **client_fields,
    }
    client = ClientFactory(tenant=tenant, **rules)
    customer = CustomerFactory(tenant=tenant)
    meter = MeterFactory(tenant=tenant, customer=customer, register_max_litres=register_max_litres)
    tariff = tariff_with_blocks(
        blocks, tenant=tenant, fixed_monthly_charge_idr=fixed_idr, minimum_charge_idr=minimum_idr
    )
    return Billable(tenant=tenant, client=client, meter=meter, tariff=tariff)


def series(
    registers: list[int], *, start: datetime = T0, step_minutes: int = 15
) -> list[ReadingInput]:
    """Readings of `registers` taken every `step_minutes` from `start`."""
    return [
        ReadingInput(taken_at=start + timedelta(minutes=step_minutes * i), register_litres=r)
        for i, r in enumerate(registers)
    ]
