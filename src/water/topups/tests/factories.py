"""A water authority with a customer who owns a meter, and gateway accounts for the options."""

from __future__ import annotations

import json
from dataclasses import dataclass

from core.accounts.models import User
from core.payments.models import GatewayCredential
from core.tenancy.models import Tenant
from water.meters.models import Meter
from water.tests.factories import CustomerFactory, MeterFactory
from water.tests.helpers import Authority, authority


@dataclass(frozen=True)
class Household:
    """A water authority, its staff, and a customer with one meter of their own."""

    world: Authority
    meter: Meter

    @property
    def customer(self) -> User:
        return self.world.customer

    @property
    def tenant(self) -> Tenant:
        return self.world.tenant


def household(slug: str = "pdam-bandung", **meter_fields: object) -> Household:
    world = authority(slug)
    customer = CustomerFactory(tenant=world.tenant, user=world.customer)
    meter = MeterFactory(tenant=world.tenant, customer=customer, **meter_fields)
    return Household(world=world, meter=meter)


def gateway_account(gateway: str, tenant: Tenant | None = None, **values: str) -> GatewayCredential:
    """An enabled account at `gateway` for `tenant` (None: the platform's)."""
    return GatewayCredential.objects.create(
        tenant=tenant, gateway=gateway, secrets=json.dumps(values or {"server_key": "x"})
    )
