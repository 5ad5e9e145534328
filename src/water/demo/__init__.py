"""IndoWater demo data: two water authorities, tariffs, 50 customers, 60 meters, 90 days.

Deterministic (a seeded `random.Random`, times relative to now) and idempotent: a second run
finds the clients and creates nothing. Every Rupiah moves through the billing engine —
readings through `readings_apply`, top-ups through `account_credit` with keys "demo:<n>" —
so balances equal their ledgers. Valve commands are delivered as a device would
(`commands_take` then `command_ack`).
"""

from __future__ import annotations

import random

from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.tenancy.models import Tenant
from water.demo.data import AUTHORITIES, DAYS, PELANGGAN_EMAIL
from water.demo.simulation import aftermath, simulate
from water.demo.world import Plan, make_client, make_registry
from water.meters.models import Reading
from water.registry.models import Client, CustomerClass


def seed() -> str:
    """Create the IndoWater demo data once; a later run creates nothing and says so."""
    tenants = {t.slug: t for t in Tenant.objects.filter(slug__in=[a.slug for a in AUTHORITIES])}
    if len(tenants) < len(AUTHORITIES):
        return "IndoWater demo: the core demo tenants are missing; nothing created."
    if Client.objects.filter(tenant__in=tenants.values()).exists():
        return "IndoWater demo: already present; nothing created."
    started = timezone.now()
    rng = random.Random(20260301)  # noqa: S311 - demo data, not security
    pelanggan = User.objects.filter(email=PELANGGAN_EMAIL).first()
    counter, customers = [0], 0
    plans: list[Plan] = []
    with transaction.atomic():
        clients: dict[int, Client] = {}
        for spec in AUTHORITIES:
            clients[tenants[spec.slug].pk] = make_client(spec, tenants[spec.slug])
            first = len(plans)
            customers += make_registry(
                rng, spec, tenants[spec.slug], pelanggan if spec.prefix == "TA" else None, plans
            )
            candidates = [
                p
                for p in plans[first + 2 :]
                if p.fate == "normal"
                and p.meter.customer is not None
                and p.meter.customer.customer_class == CustomerClass.RESIDENTIAL
            ]
            for plan, fate in zip(
                rng.sample(candidates, 5), ("low", "low", "zero", "offline", "low"), strict=True
            ):
                plan.fate = fate
        plans[1].fate = "low"  # the demo customer's shop house needs a top-up
        for plan in plans:
            simulate(rng, plan, clients[plan.meter.tenant_id], counter)
        aftermath(rng, plans)
    seconds = (timezone.now() - started).total_seconds()
    readings = Reading.objects.filter(meter__in=[p.meter for p in plans]).count()
    return (
        f"IndoWater demo: {len(clients)} clients, {customers} customers, {len(plans)} meters, "
        f"{readings} readings over {DAYS} days, {counter[0]} top-ups in {seconds:.1f} s."
    )
