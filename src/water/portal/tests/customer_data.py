"""Fixed data of the customer workspace tests: a household, a block tariff and usage days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from core.accounts.models import User
from core.tenancy.models import Tenant
from water.billing.models import DailyUsage, PrepaidAccount
from water.meters.models import Meter
from water.tariffs.models import Tariff, TariffBlock
from water.tests.factories import CustomerFactory, MeterFactory
from water.tests.helpers import authority


@dataclass(frozen=True)
class Home:
    tenant: Tenant
    user: User
    meter: Meter


def home(slug: str = "pdam-bandung", **meter_fields: object) -> Home:
    """A water authority (Asia/Jakarta, low balance below Rp 10,000) and a customer's meter."""
    world = authority(slug)
    customer = CustomerFactory(tenant=world.tenant, user=world.customer)
    meter = MeterFactory(tenant=world.tenant, customer=customer, **meter_fields)
    return Home(tenant=world.tenant, user=world.customer, meter=meter)


def another_meter(home: Home, **fields: object) -> Meter:
    customer = CustomerFactory(tenant=home.tenant, user=home.user)
    return MeterFactory(tenant=home.tenant, customer=customer, **fields)


def today_in_jakarta() -> date:
    return timezone.now().astimezone(ZoneInfo("Asia/Jakarta")).date()


def account(meter: Meter, *, balance_idr: int, month_litres: int = 0, month_idr: int = 0) -> None:
    PrepaidAccount.objects.create(
        tenant_id=meter.tenant_id,
        meter=meter,
        balance_idr=balance_idr,
        month_start=today_in_jakarta().replace(day=1),
        month_litres=month_litres,
        month_consumption_idr=month_idr,
    )


def tariff(tenant: Tenant) -> Tariff:
    """Residential: 0–10 m³ at Rp 5,000, 10–20 m³ at Rp 7,500, above at Rp 10,000 per m³."""
    found = Tariff.objects.create(
        tenant=tenant,
        name="Rumah tangga",
        customer_class="residential",
        effective_from=date(2020, 1, 1),
    )
    for start, end, price in ((0, 10_000, 5_000), (10_000, 20_000, 7_500), (20_000, None, 10_000)):
        TariffBlock.objects.create(
            tariff=found, from_litres=start, to_litres=end, price_per_m3_idr=price
        )
    return found


def usage(meter: Meter, day: date, litres: int, charge_idr: int, readings: int = 24) -> None:
    DailyUsage.objects.create(
        tenant_id=meter.tenant_id,
        meter=meter,
        day=day,
        litres=litres,
        charge_idr=charge_idr,
        readings=readings,
    )


def usage_each_day(meter: Meter, *, days: int, litres: int, charge_idr: int) -> None:
    today = today_in_jakarta()
    for back in range(days):
        usage(meter, today - timedelta(days=back), litres, charge_idr)
