"""Meters API: registration, listing, detail, status and customer assignment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.audit.models import AuditEvent
from water.billing.models import PrepaidAccount
from water.meters.models import Meter, MeterStatus, ValveState
from water.tests.factories import (
    AlertFactory,
    CustomerFactory,
    MeterFactory,
    PropertyFactory,
    ValveCommandFactory,
)
from water.tests.helpers import Api, authority, superadmin, tenant_url
from water.valves.models import AlertStatus, CommandStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def asri():
    return authority("asri")


@pytest.fixture
def makmur():
    return authority("makmur")


def test_admin_registers_a_meter_at_a_property_of_their_authority(asri):
    # given
    prop = PropertyFactory(tenant=asri.tenant, code="PRP-1")
    customer = CustomerFactory(tenant=asri.tenant, customer_number="C-1", full_name="Siti Aminah")
    # when
    response = Api(asri.admin).post(
        tenant_url(asri.tenant, "/meters"),
        {
            "serial": "IW-0001",
            "property_id": prop.pk,
            "customer_id": customer.pk,
            "model": "SM-200",
            "install_date": "2026-11-01",
        },
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    meter = Meter.objects.get(serial="IW-0001")
    assert body["id"] == meter.pk
    assert body["property"] == {"id": prop.pk, "code": "PRP-1", "name": prop.name}
    assert body["customer"] == {
        "id": customer.pk,
        "customer_number": "C-1",
        "full_name": "Siti Aminah",
    }
    assert (body["status"], body["valve_state"], body["install_date"]) == (
        "active",
        "unknown",
        "2026-11-01",
    )
    assert (body["pending_commands"], body["open_alerts"], body["balance_idr"]) == (0, 0, None)
    event = AuditEvent.objects.get(action="water.meter_registered")
    assert (event.actor_id, event.tenant_id, event.target_id) == (
        asri.admin.pk,
        asri.tenant.pk,
        str(meter.pk),
    )


def test_a_taken_serial_is_a_conflict_and_nothing_is_created(asri, makmur):
    # given: the serial is used in another authority
    MeterFactory(tenant=makmur.tenant, serial="IW-TAKEN")
    prop = PropertyFactory(tenant=asri.tenant)
    # when
    response = Api(asri.operator).post(
        tenant_url(asri.tenant, "/meters"), {"serial": "iw-taken", "property_id": prop.pk}
    )
    # then
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert [e["field"] for e in body["errors"]] == ["serial"]
    assert Meter.objects.count() == 1
    assert not AuditEvent.objects.filter(action="water.meter_registered").exists()


@pytest.mark.parametrize("foreign", ["property", "customer"])
def test_a_property_or_customer_of_another_authority_is_refused(asri, makmur, foreign):
    # given
    own_prop = PropertyFactory(tenant=asri.tenant)
    other_prop = PropertyFactory(tenant=makmur.tenant)
    other_customer = CustomerFactory(tenant=makmur.tenant)
    body = {"serial": "IW-0002", "property_id": own_prop.pk}
    if foreign == "property":
        body["property_id"] = other_prop.pk
    else:
        body["customer_id"] = other_customer.pk
    # when
    response = Api(asri.admin).post(tenant_url(asri.tenant, "/meters"), body)
    # then
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert not Meter.objects.filter(serial="IW-0002").exists()


def test_a_customer_cannot_register_meters(asri):
    prop = PropertyFactory(tenant=asri.tenant)
    response = Api(asri.customer).post(
        tenant_url(asri.tenant, "/meters"), {"serial": "IW-0003", "property_id": prop.pk}
    )
    assert response.status_code == 403
    assert Meter.objects.count() == 0


def test_unknown_keys_in_the_body_are_refused(asri):
    prop = PropertyFactory(tenant=asri.tenant)
    response = Api(asri.admin).post(
        tenant_url(asri.tenant, "/meters"),
        {"serial": "IW-0004", "property_id": prop.pk, "tenant_id": 99},
    )
    assert response.status_code == 422
    assert Meter.objects.count() == 0


def _serials(response) -> list[str]:
    return [item["serial"] for item in response.json()["items"]]


def test_list_filters_by_status_valve_property_customer_and_serial_prefix(asri, makmur):
    # given
    house = PropertyFactory(tenant=asri.tenant)
    shop = PropertyFactory(tenant=asri.tenant)
    budi = CustomerFactory(tenant=asri.tenant)
    MeterFactory(tenant=asri.tenant, serial="AS-001", property=house, customer=budi)
    MeterFactory(tenant=asri.tenant, serial="AS-002", property=shop, valve_state=ValveState.CLOSED)
    MeterFactory(tenant=asri.tenant, serial="BX-003", property=shop, status=MeterStatus.RETIRED)
    MeterFactory(tenant=makmur.tenant, serial="AS-999")
    api, url = Api(asri.operator), tenant_url(asri.tenant, "/meters")
    # when / then
    assert _serials(api.get(url)) == ["AS-001", "AS-002", "BX-003"]
    assert _serials(api.get(f"{url}?status=retired")) == ["BX-003"]
    assert _serials(api.get(f"{url}?valve_state=closed")) == ["AS-002"]
    assert _serials(api.get(f"{url}?property={shop.pk}")) == ["AS-002", "BX-003"]
    assert _serials(api.get(f"{url}?customer={budi.pk}")) == ["AS-001"]
    assert _serials(api.get(f"{url}?q=as-")) == ["AS-001", "AS-002"]
    page = api.get(f"{url}?limit=2&offset=1").json()
    assert (page["count"], page["limit"], page["offset"]) == (3, 2, 1)
    assert [i["serial"] for i in page["items"]] == ["AS-002", "BX-003"]


def test_list_limit_is_capped_at_200(asri):
    response = Api(asri.admin).get(tenant_url(asri.tenant, "/meters?limit=201"))
    assert response.status_code == 422


def test_list_runs_a_fixed_number_of_queries(asri, django_assert_num_queries):
    # given: meters with customers and accounts, the page grows from 2 to 12 rows
    def add(n: int) -> None:
        for _ in range(n):
            meter = MeterFactory(tenant=asri.tenant, customer=CustomerFactory(tenant=asri.tenant))
            PrepaidAccount.objects.create(tenant=asri.tenant, meter=meter, balance_idr=5_000)

    api, url = Api(asri.admin), tenant_url(asri.tenant, "/meters")
    add(2)
    api.get(url)  # warm caches (content types, key ring)
    # when / then: auth user + access membership + scope + count + page
    with django_assert_num_queries(5):
        assert len(api.get(url).json()["items"]) == 2
    add(10)
    with django_assert_num_queries(5):
        items = api.get(url).json()["items"]
    assert len(items) == 12
    assert {i["balance_idr"] for i in items} == {5_000}


def test_detail_shows_balance_last_reading_commands_and_alerts(asri):
    # given
    seen = timezone.now() - timedelta(minutes=5)
    meter = MeterFactory(
        tenant=asri.tenant,
        valve_state=ValveState.OPEN,
        last_register_litres=123_456,
        last_reading_at=seen,
        last_seen_at=seen,
        battery_pct=87,
        signal_dbm=-71,
    )
    PrepaidAccount.objects.create(tenant=asri.tenant, meter=meter, balance_idr=42_500)
    ValveCommandFactory(meter=meter, kind="close")
    ValveCommandFactory(meter=meter, kind="status", status=CommandStatus.SENT)
    ValveCommandFactory(meter=meter, kind="open", status=CommandStatus.ACKNOWLEDGED)
    AlertFactory(meter=meter, kind="low_battery")
    AlertFactory(meter=meter, kind="leak", status=AlertStatus.ACKNOWLEDGED)
    AlertFactory(meter=meter, kind="tamper", status=AlertStatus.RESOLVED)
    # when
    body = Api(asri.operator).get(tenant_url(asri.tenant, f"/meters/{meter.pk}")).json()
    # then
    assert body["balance_idr"] == 42_500
    assert body["last_register_litres"] == 123_456
    assert body["valve_state"] == "open"
    assert (body["battery_pct"], body["signal_dbm"]) == (87, -71)
    assert (body["pending_commands"], body["open_alerts"]) == (2, 2)


def test_another_authoritys_meter_answers_404_like_a_missing_one(asri, makmur):
    foreign = MeterFactory(tenant=makmur.tenant)
    api = Api(asri.admin)
    for suffix in ("", "/status"):
        foreign_response = api.get(tenant_url(asri.tenant, f"/meters/{foreign.pk}{suffix}"))
        missing_response = api.get(tenant_url(asri.tenant, f"/meters/{foreign.pk + 1000}{suffix}"))
        assert foreign_response.status_code == missing_response.status_code == 404
        assert foreign_response.json()["detail"] == missing_response.json()["detail"]


def test_staff_of_another_authority_get_404_for_the_whole_tenant(asri, makmur):
    meter = MeterFactory(tenant=asri.tenant)
    response = Api(makmur.admin).get(tenant_url(asri.tenant, f"/meters/{meter.pk}"))
    assert response.status_code == 404


def test_superadmin_reads_any_authoritys_meter(asri):
    meter = MeterFactory(tenant=asri.tenant, serial="IW-ROOT")
    response = Api(superadmin()).get(tenant_url(asri.tenant, f"/meters/{meter.pk}"))
    assert response.status_code == 200
    assert response.json()["serial"] == "IW-ROOT"


@pytest.mark.parametrize(("minutes_ago", "online"), [(None, False), (29, True), (31, False)])
def test_status_is_online_when_heard_from_in_the_last_30_minutes(asri, minutes_ago, online):
    seen = None if minutes_ago is None else timezone.now() - timedelta(minutes=minutes_ago)
    meter = MeterFactory(
        tenant=asri.tenant,
        last_seen_at=seen,
        battery_pct=15,
        signal_dbm=-95,
        valve_state=ValveState.CLOSED,
    )
    body = Api(asri.operator).get(tenant_url(asri.tenant, f"/meters/{meter.pk}/status")).json()
    assert body["online"] is online
    assert (body["battery_pct"], body["signal_dbm"], body["valve_state"]) == (15, -95, "closed")


def test_operator_assigns_and_unassigns_a_customer(asri):
    # given
    meter = MeterFactory(tenant=asri.tenant)
    customer = CustomerFactory(tenant=asri.tenant)
    api, url = Api(asri.operator), tenant_url(asri.tenant, f"/meters/{meter.pk}/customer")
    # when
    assigned = api.put(url, {"customer_id": customer.pk})
    # then
    assert assigned.status_code == 200
    assert assigned.json()["customer"]["id"] == customer.pk
    meter.refresh_from_db()
    assert meter.customer_id == customer.pk
    # when
    unassigned = api.delete(url)
    # then
    assert unassigned.status_code == 200
    assert unassigned.json()["customer"] is None
    meter.refresh_from_db()
    assert meter.customer_id is None
    actions = list(
        AuditEvent.objects.filter(action__startswith="water.meter_customer").values_list(
            "action", flat=True
        )
    )
    assert actions == ["water.meter_customer_assigned", "water.meter_customer_unassigned"]


def test_a_customer_of_another_authority_cannot_be_assigned(asri, makmur):
    own = CustomerFactory(tenant=asri.tenant)
    meter = MeterFactory(tenant=asri.tenant, customer=own)
    stranger = CustomerFactory(tenant=makmur.tenant)
    response = Api(asri.admin).put(
        tenant_url(asri.tenant, f"/meters/{meter.pk}/customer"), {"customer_id": stranger.pk}
    )
    assert response.status_code == 422
    meter.refresh_from_db()
    assert meter.customer_id == own.pk


def test_unassigning_a_meter_without_customer_is_a_conflict(asri):
    meter = MeterFactory(tenant=asri.tenant)
    response = Api(asri.admin).delete(tenant_url(asri.tenant, f"/meters/{meter.pk}/customer"))
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_a_retired_meter_cannot_get_a_customer(asri):
    meter = MeterFactory(tenant=asri.tenant, status=MeterStatus.RETIRED)
    customer = CustomerFactory(tenant=asri.tenant)
    response = Api(asri.operator).put(
        tenant_url(asri.tenant, f"/meters/{meter.pk}/customer"), {"customer_id": customer.pk}
    )
    assert response.status_code == 409
    meter.refresh_from_db()
    assert meter.customer_id is None
