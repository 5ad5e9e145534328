"""Meters API: replacement, retirement and the customer's own meters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from core.audit.models import AuditEvent
from water.billing.inputs import ReadingInput
from water.billing.models import EntryKind, PrepaidAccount
from water.billing.services import account_credit, readings_apply
from water.meters.models import Meter, MeterStatus, ReadingSource, ValveState
from water.registry.models import CustomerClass
from water.tariffs.models import Tariff, TariffBlock
from water.tests.factories import CustomerFactory, MeterFactory, ValveCommandFactory
from water.tests.helpers import Api, authority, tenant_url
from water.valves.models import CommandStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def asri():
    return authority("asri")


@pytest.fixture
def makmur():
    return authority("makmur")


def _flat_tariff(tenant, price_per_m3: int = 5_000) -> None:
    tariff = Tariff.objects.create(
        tenant=tenant,
        name="Flat",
        customer_class=CustomerClass.RESIDENTIAL,
        effective_from=date(2020, 1, 1),
    )
    TariffBlock.objects.create(tariff=tariff, from_litres=0, price_per_m3_idr=price_per_m3)


def test_replace_bills_the_final_register_and_carries_the_balance_over(asri):
    # given: a meter with Rp 50,000 of credit that last read 1,000 litres
    _flat_tariff(asri.tenant)
    customer = CustomerFactory(tenant=asri.tenant)
    old = MeterFactory(tenant=asri.tenant, serial="IW-OLD", customer=customer)
    account_credit(meter=old, amount_idr=50_000, kind=EntryKind.TOPUP, idempotency_key="t:1")
    earlier = timezone.now() - timedelta(minutes=30)
    readings_apply(
        meter=old,
        readings=[ReadingInput(taken_at=earlier, register_litres=1_000)],
        source=ReadingSource.HTTP,
    )
    ValveCommandFactory(meter=old, kind="status")
    # when: it is swapped, its register showing 4,000 litres
    response = Api(asri.operator).post(
        tenant_url(asri.tenant, f"/meters/{old.pk}/replace"),
        {"new_serial": "IW-NEW", "final_register_litres": 4_000},
    )
    # then: 3,000 litres at Rp 5,000/m³ were billed and Rp 35,000 moved to the new meter
    assert response.status_code == 201, response.content
    body = response.json()
    new = Meter.objects.get(serial="IW-NEW")
    assert (body["id"], body["replaces_id"], body["balance_idr"]) == (new.pk, old.pk, 35_000)
    assert (new.property_id, new.customer_id, new.model) == (
        old.property_id,
        customer.pk,
        old.model,
    )
    old.refresh_from_db()
    assert old.status == MeterStatus.RETIRED
    assert old.last_register_litres == 4_000
    assert PrepaidAccount.objects.get(meter=old).balance_idr == 0
    # the top-up's open command and the status request were never delivered
    assert set(old.commands.values_list("kind", "status")) == {
        ("open", CommandStatus.CANCELLED),
        ("status", CommandStatus.CANCELLED),
    }
    event = AuditEvent.objects.get(action="water.meter_replaced")
    assert event.data["old_serial"] == "IW-OLD"
    assert event.data["commands_cancelled"] == 2
    detail = Api(asri.admin).get(tenant_url(asri.tenant, f"/meters/{old.pk}")).json()
    assert detail["replaced_by_id"] == new.pk


def test_replace_with_a_taken_serial_changes_nothing(asri):
    old = MeterFactory(tenant=asri.tenant)
    MeterFactory(tenant=asri.tenant, serial="IW-TAKEN")
    response = Api(asri.admin).post(
        tenant_url(asri.tenant, f"/meters/{old.pk}/replace"), {"new_serial": "IW-TAKEN"}
    )
    assert response.status_code == 409
    old.refresh_from_db()
    assert old.status == MeterStatus.ACTIVE
    assert Meter.objects.count() == 2
    assert not AuditEvent.objects.filter(action="water.meter_replaced").exists()


def test_a_retired_meter_cannot_be_replaced(asri):
    old = MeterFactory(tenant=asri.tenant, status=MeterStatus.RETIRED)
    response = Api(asri.admin).post(
        tenant_url(asri.tenant, f"/meters/{old.pk}/replace"), {"new_serial": "IW-LATE"}
    )
    assert response.status_code == 409
    assert not Meter.objects.filter(serial="IW-LATE").exists()


def test_replacing_another_authoritys_meter_answers_404(asri, makmur):
    foreign = MeterFactory(tenant=makmur.tenant)
    response = Api(asri.admin).post(
        tenant_url(asri.tenant, f"/meters/{foreign.pk}/replace"), {"new_serial": "IW-STEAL"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == MeterStatus.ACTIVE
    assert not Meter.objects.filter(serial="IW-STEAL").exists()


@pytest.mark.parametrize("status", [CommandStatus.PENDING, CommandStatus.SENT])
def test_retire_is_refused_while_commands_are_pending(asri, status):
    meter = MeterFactory(tenant=asri.tenant)
    ValveCommandFactory(meter=meter, status=status)
    response = Api(asri.admin).post(tenant_url(asri.tenant, f"/meters/{meter.pk}/retire"))
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    meter.refresh_from_db()
    assert meter.status == MeterStatus.ACTIVE


def test_retire_takes_the_meter_out_of_service(asri):
    meter = MeterFactory(tenant=asri.tenant)
    ValveCommandFactory(meter=meter, status=CommandStatus.ACKNOWLEDGED)
    response = Api(asri.operator).post(tenant_url(asri.tenant, f"/meters/{meter.pk}/retire"))
    assert response.status_code == 200
    assert response.json()["status"] == "retired"
    meter.refresh_from_db()
    assert meter.status == MeterStatus.RETIRED
    assert AuditEvent.objects.filter(action="water.meter_retired").count() == 1
    again = Api(asri.operator).post(tenant_url(asri.tenant, f"/meters/{meter.pk}/retire"))
    assert again.status_code == 409


def test_customers_see_only_their_own_meters_across_authorities(
    asri, makmur, django_assert_num_queries
):
    # given: the same person is a customer of both authorities
    person = asri.customer
    at_asri = CustomerFactory(tenant=asri.tenant, user=person)
    at_makmur = CustomerFactory(tenant=makmur.tenant, user=person)
    home = MeterFactory(tenant=asri.tenant, serial="IW-HOME", customer=at_asri)
    PrepaidAccount.objects.create(tenant=asri.tenant, meter=home, balance_idr=12_000)
    MeterFactory(
        tenant=makmur.tenant,
        serial="IW-KOS",
        customer=at_makmur,
        valve_state=ValveState.CLOSED,
    )
    MeterFactory(tenant=asri.tenant, serial="IW-GONE", customer=at_asri, status="retired")
    MeterFactory(tenant=asri.tenant, serial="IW-NEIGHBOUR", customer=CustomerFactory())
    api = Api(person)
    api.get("/api/v1/water/me/meters")
    # when: auth user + role check + count + page
    with django_assert_num_queries(4):
        response = api.get("/api/v1/water/me/meters")
    # then
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["serial"], i["tenant_name"], i["balance_idr"], i["valve_state"]) for i in items] == [
        ("IW-HOME", "Asri", 12_000, "unknown"),
        ("IW-KOS", "Makmur", None, "closed"),
    ]


def test_staff_cannot_use_the_customer_meter_list(asri):
    assert Api(asri.admin).get("/api/v1/water/me/meters").status_code == 403
