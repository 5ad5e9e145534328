"""The IndoWater demo data: counts, a consistent ledger, the demo customer's view, idempotency."""

from __future__ import annotations

import pytest
from django.db.models import Count

from core.tenancy.demo import demo_seed
from water.billing.models import EntryKind, LedgerEntry, PrepaidAccount
from water.billing.services.ledger_check import ledger_check
from water.demo import PELANGGAN_EMAIL, seed
from water.meters.models import Meter, Reading, ValveState
from water.registry.models import Client, Customer, Property
from water.registry.validators import nik_normalise
from water.tariffs.models import Tariff
from water.tests.helpers import Api
from water.valves.models import Alert, AlertKind, AlertStatus, CommandStatus, ValveCommand

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, int]:
    return {
        "clients": Client.objects.count(),
        "customers": Customer.objects.count(),
        "properties": Property.objects.count(),
        "meters": Meter.objects.count(),
        "readings": Reading.objects.count(),
        "entries": LedgerEntry.objects.count(),
        "commands": ValveCommand.objects.count(),
        "alerts": Alert.objects.count(),
    }


def test_without_the_core_tenants_nothing_is_created():
    assert seed() == "IndoWater demo: the core demo tenants are missing; nothing created."
    assert set(_snapshot().values()) == {0}


def test_demo_seed_builds_a_consistent_world_once():
    # given
    demo_seed()
    # when
    summary = seed()
    # then: the counts the issue asks for
    assert summary.startswith("IndoWater demo: 2 clients, 50 customers, 60 meters, ")
    first = _snapshot()
    assert (first["clients"], first["customers"], first["meters"]) == (2, 50, 60)
    timezones = dict(Client.objects.values_list("tenant__slug", "timezone"))
    assert timezones == {"pdam-tirta-asri": "Asia/Jakarta", "pdam-tirta-makmur": "Asia/Makassar"}
    assert Tariff.objects.count() == 10
    # every NIK passes validation, customer numbers are unique per client
    assert all(nik_normalise(c.nik) == c.nik for c in Customer.objects.all())
    # 90 days of hourly readings for every meter
    per_meter = Reading.objects.values("meter").annotate(n=Count("pk"))
    assert len(per_meter) == 60
    assert min(row["n"] for row in per_meter) >= 89 * 24 - 48  # offline meters stop 2 days early
    # money moved only through the ledger, and the ledger adds up
    report = ledger_check()
    assert report.problems == []
    assert report.accounts == 60
    topups = LedgerEntry.objects.filter(kind=EntryKind.TOPUP)
    assert all(key.startswith("demo:") for key in topups.values_list("idempotency_key", flat=True))
    # a few meters run low; two have run dry and their valves are shut
    accounts = PrepaidAccount.objects.select_related("meter")
    dry = [a for a in accounts if a.balance_idr <= 0]
    assert len(dry) == 2
    assert {a.meter.valve_state for a in dry} == {ValveState.CLOSED}
    assert len([a for a in accounts if 0 < a.balance_idr < 20_000]) >= 3
    assert Meter.objects.filter(customer__isnull=True).count() == 5
    assert not ValveCommand.objects.filter(status__in=[CommandStatus.PENDING, CommandStatus.SENT])
    open_kinds = set(
        Alert.objects.exclude(status=AlertStatus.RESOLVED).values_list("kind", flat=True)
    )
    assert open_kinds >= {AlertKind.LOW_BALANCE, AlertKind.ZERO_BALANCE, AlertKind.OFFLINE}

    # the demo customer sees their two meters through the customer API
    pelanggan = Customer.objects.get(user__email=PELANGGAN_EMAIL)
    response = Api(pelanggan.user).get("/api/v1/water/me/meters")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    own = Meter.objects.filter(customer=pelanggan).select_related("account")
    assert {(i["serial"], i["balance_idr"]) for i in body["items"]} == {
        (m.serial, m.account.balance_idr) for m in own
    }

    # when: seeding again
    again = seed()
    # then: nothing new
    assert again == "IndoWater demo: already present; nothing created."
    assert _snapshot() == first
