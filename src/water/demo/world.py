"""The demo's clients, tariffs, customers, properties and meters (registry rows)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from core.accounts.models import User
from core.tenancy.models import Tenant
from water.demo.data import (
    DAILY_LITRES,
    DAYS,
    FEMALE,
    FIRST,
    LAST,
    PROPERTY_OF_CLASS,
    TARIFFS,
    Authority,
    class_of,
)
from water.meters.models import Meter
from water.registry.models import (
    Client,
    ClientHoliday,
    Customer,
    CustomerClass,
    Property,
    PropertyType,
    VerificationStatus,
)
from water.registry.validators import nik_normalise, npwp_normalise
from water.tariffs.models import Tariff, TariffBlock


@dataclass
class Plan:
    """What the simulation does with one meter."""

    meter: Meter
    daily_litres: int
    register: int
    battery: int
    signal: int
    fate: str = "normal"  # normal | low | zero | offline | vacated


def _nik(rng: random.Random, region: str, female: bool, serial: int) -> str:
    born = date(1955, 1, 1) + timedelta(days=rng.randrange(0, 45 * 365))
    day = born.day + (40 if female else 0)
    return nik_normalise(f"{region}{rng.randint(1, 9)}{day:02d}{born:%m%y}{serial:04d}")


def make_client(spec: Authority, tenant: Tenant) -> Client:
    name, email, phone = spec.contact
    address, city, province, postal = spec.address
    client = Client.objects.create(
        tenant=tenant,
        legal_name=spec.legal_name,
        npwp=npwp_normalise(spec.npwp),
        contact_name=name,
        contact_email=email,
        contact_phone=phone,
        address=address,
        city=city,
        province=province,
        postal_code=postal,
        timezone=spec.tz,
        low_balance_threshold_idr=20_000,
    )
    for day, label in ((date(2026, 12, 25), "Hari Raya Natal"), (date(2027, 1, 1), "Tahun Baru")):
        ClientHoliday.objects.create(tenant=tenant, date=day, name=label)
    for customer_class, (prices, fixed) in TARIFFS.items():
        tariff = Tariff.objects.create(
            tenant=tenant,
            name=f"Tarif {CustomerClass(customer_class).label} 2025",
            customer_class=customer_class,
            fixed_monthly_charge_idr=fixed * spec.price_factor // 100,
            effective_from=date(2025, 1, 1),
        )
        bounds = ((0, 10_000), (10_000, 20_000), (20_000, None))
        TariffBlock.objects.bulk_create(
            TariffBlock(
                tariff=tariff,
                from_litres=lo,
                to_litres=hi,
                price_per_m3_idr=price * spec.price_factor // 100,
            )
            for (lo, hi), price in zip(bounds, prices, strict=True)
        )
    return client


def make_registry(
    rng: random.Random, spec: Authority, tenant: Tenant, pelanggan: User | None, plans: list[Plan]
) -> int:
    """Customers, their properties and meters; returns how many customers were made."""
    properties = 0

    def place(kind: str, street: str, status: str | None = None) -> Property:
        nonlocal properties
        properties += 1
        roll = rng.random()
        status = status or (
            VerificationStatus.PENDING
            if roll < 0.06
            else VerificationStatus.NEEDS_UPDATE
            if roll < 0.1
            else VerificationStatus.APPROVED
        )
        return Property.objects.create(
            tenant=tenant,
            code=f"{spec.prefix}-P{properties:04d}",
            name=f"{PropertyType(kind).label} {street}",
            property_type=kind,
            address=street,
            city=spec.address[1],
            province=spec.address[2],
            verification_status=status,
        )

    def meter(prop: Property, customer: Customer | None, n: int, litres: int) -> None:
        installed = timezone.localdate() - timedelta(days=DAYS + rng.randint(10, 700))
        item = Meter.objects.create(
            tenant=tenant,
            serial=f"IW{spec.prefix}{24_0000 + n:07d}",
            property=prop,
            customer=customer,
            model=rng.choice(("IndoWater SM-100", "IndoWater SM-200")),
            firmware=rng.choice(("2.3.1", "2.4.0")),
            install_date=installed,
        )
        battery, signal = rng.randint(70, 98), rng.randint(-95, -60)
        plans.append(Plan(item, litres, rng.randint(20_000, 900_000), battery, signal))

    meters = 0
    for n in range(1, spec.customers + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if n == 1 and pelanggan is not None:
            first, last = "Agus", "Pratama"
        customer_class = class_of(n)
        street = (
            f"{rng.choice(spec.streets)} No. {rng.randint(1, 180)}, "
            f"RT {rng.randint(1, 9):02d}/RW {rng.randint(1, 12):02d}, "
            f"Kel. {rng.choice(spec.kelurahan)}"
        )
        customer = Customer.objects.create(
            tenant=tenant,
            customer_number=f"{spec.prefix}-{n:06d}",
            full_name=f"{first} {last}",
            email=f"{first}.{last}{n}@contoh.id".lower(),
            phone=f"+62812{rng.randint(10**7, 10**8 - 1)}",
            nik=_nik(rng, spec.nik_region, first in FEMALE, n),
            address=street,
            customer_class=customer_class,
            user=pelanggan if n == 1 else None,
        )
        litres = DAILY_LITRES[customer_class]
        kinds = PROPERTY_OF_CLASS[customer_class]
        meters += 1
        meter(
            place(rng.choice(kinds), street),
            customer,
            meters,
            rng.randint(litres * 7, litres * 13) // 10,
        )
        if n % 11 == 1:  # a second meter: the family's shop house (ruko)
            second = f"{rng.choice(spec.streets)} No. {rng.randint(1, 180)}"
            meters += 1
            meter(place(PropertyType.SHOP_HOUSE, second), customer, meters, litres)
    for _ in range(spec.vacated):  # rental homes between tenants; the landlord keeps credit
        meters += 1
        street = f"{rng.choice(spec.streets)} No. {rng.randint(1, 180)}"
        meter(place(PropertyType.RENTAL_HOME, street), None, meters, 500)
        plans[-1].fate = "vacated"
    for _ in range(2):  # newly registered, waiting for verification, no meter yet
        street = f"{rng.choice(spec.streets)} No. {rng.randint(1, 180)}"
        place(PropertyType.HOUSE, street, VerificationStatus.PENDING)
    return spec.customers
