"""Properties: registration, editing, removal and tenant isolation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.audit.models import AuditEvent
from water.registry import actions
from water.registry.models import Property, PropertyEvent, PropertyType
from water.registry.tests.factories import PropertyFactory

W = "/api/v1/water"
NEW = {
    "code": "JKT-001",
    "name": "Rumah Ibu Siti",
    "property_type": "boarding_house",
    "address": "Jl. Kebon Jeruk 7",
    "city": "Jakarta Barat",
    "province": "DKI Jakarta",
    "latitude": "-6.191700",
    "longitude": "106.768300",
}


def _url(client, suffix: str = "") -> str:
    return f"{W}/tenants/{client.tenant_id}/properties{suffix}"


def test_there_are_seventeen_property_types():
    assert len(PropertyType.values) == 17


def test_operator_registers_a_pending_property(client_a, operator, api):
    response = api(operator).post(_url(client_a), NEW)

    assert response.status_code == 201, response.content
    prop = Property.objects.get()
    assert (prop.tenant_id, prop.code, prop.verification_status) == (
        client_a.tenant_id,
        "JKT-001",
        "pending",
    )
    assert (prop.latitude, prop.longitude) == (Decimal("-6.191700"), Decimal("106.768300"))
    event = PropertyEvent.objects.get()
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        "submitted",
        "",
        "pending",
        operator.pk,
    )
    assert AuditEvent.objects.filter(action=actions.PROPERTY_CREATED).count() == 1


def test_code_is_unique_per_tenant_only(client_a, client_b, admin, api):
    PropertyFactory(tenant=client_b.tenant, code="JKT-001")
    PropertyFactory(tenant=client_a.tenant, code="JKT-002")
    caller = api(admin)

    first = caller.post(_url(client_a), NEW)
    second = caller.post(_url(client_a), {**NEW, "name": "Another"})
    renamed = caller.patch(_url(client_a, f"/{first.json()['id']}"), {"code": "JKT-002"})

    assert first.status_code == 201
    assert second.status_code == 409
    assert renamed.status_code == 409
    assert second.json()["code"] == "conflict"
    assert second.json()["errors"][0]["field"] == "code"
    assert Property.objects.filter(tenant=client_a.tenant, code="JKT-001").count() == 1
    assert Property.objects.get(pk=first.json()["id"]).code == "JKT-001"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"latitude": "91"}, "latitude"),
        ({"longitude": "-180.5"}, "longitude"),
        ({"latitude": None}, "latitude"),
        ({"property_type": "castle"}, "property_type"),
    ],
)
def test_bad_location_or_type_is_refused(changes, field, client_a, admin, api):
    response = api(admin).post(_url(client_a), {**NEW, **changes})

    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Property.objects.exists()


def test_editing_an_approved_address_sends_it_back_to_pending(client_a, operator, api):
    prop = PropertyFactory(tenant=client_a.tenant, verification_status="approved")

    response = api(operator).patch(_url(client_a, f"/{prop.pk}"), {"address": "Jl. Baru 2"})

    assert response.status_code == 200
    assert response.json()["verification_status"] == "pending"
    event = PropertyEvent.objects.get()
    assert (event.action, event.from_status, event.to_status, event.notes) == (
        "address_changed",
        "approved",
        "pending",
        "Changed: address",
    )
    assert AuditEvent.objects.filter(action=actions.PROPERTY_VERIFICATION).count() == 1


def test_editing_an_approved_name_keeps_it_approved(client_a, operator, api):
    prop = PropertyFactory(tenant=client_a.tenant, verification_status="approved")

    response = api(operator).patch(_url(client_a, f"/{prop.pk}"), {"name": "Kos Melati"})

    assert response.status_code == 200
    prop.refresh_from_db()
    assert (prop.name, prop.verification_status) == ("Kos Melati", "approved")
    assert not PropertyEvent.objects.exists()


def test_another_tenants_property_is_not_found_and_unchanged(client_a, client_b, admin, api):
    foreign = PropertyFactory(tenant=client_b.tenant, name="Milik B")
    caller = api(admin)

    read = caller.get(_url(client_a, f"/{foreign.pk}"))
    edit = caller.patch(_url(client_a, f"/{foreign.pk}"), {"name": "Stolen"})
    removed = caller.delete(_url(client_a, f"/{foreign.pk}"))

    assert [r.status_code for r in (read, edit, removed)] == [404, 404, 404]
    foreign.refresh_from_db()
    assert foreign.name == "Milik B"


def test_list_filters_and_pages_with_fixed_queries(
    client_a, client_b, operator, api, django_assert_num_queries
):
    PropertyFactory(tenant=client_a.tenant, code="A-1", name="Kos Melati")
    PropertyFactory(tenant=client_a.tenant, code="A-2", verification_status="approved")
    PropertyFactory(tenant=client_a.tenant, code="B-1", name="Ruko")
    PropertyFactory(tenant=client_b.tenant, code="A-9")
    caller = api(operator)
    caller.get(_url(client_a))

    with django_assert_num_queries(5):
        everything = caller.get(_url(client_a))
    PropertyFactory.create_batch(8, tenant=client_a.tenant)
    with django_assert_num_queries(5):
        caller.get(_url(client_a) + "?limit=200")
    by_code = caller.get(_url(client_a) + "?q=a-")
    by_name = caller.get(_url(client_a) + "?q=melati")
    approved = caller.get(_url(client_a) + "?verification_status=approved")

    assert [p["code"] for p in everything.json()["items"]] == ["A-1", "A-2", "B-1"]
    assert [p["code"] for p in by_code.json()["items"]] == ["A-1", "A-2"]
    assert [p["code"] for p in by_name.json()["items"]] == ["A-1"]
    assert [p["code"] for p in approved.json()["items"]] == ["A-2"]


def test_property_without_meters_is_removed(client_a, admin, api):
    prop = PropertyFactory(tenant=client_a.tenant)

    response = api(admin).delete(_url(client_a, f"/{prop.pk}"))

    assert response.status_code == 204
    assert not Property.objects.exists()
    assert AuditEvent.objects.filter(action=actions.PROPERTY_DELETED).count() == 1


def test_patch_refuses_unknown_keys(client_a, admin, api):
    prop = PropertyFactory(tenant=client_a.tenant)

    response = api(admin).patch(_url(client_a, f"/{prop.pk}"), {"verification_status": "approved"})

    assert response.status_code == 422
    prop.refresh_from_db()
    assert prop.verification_status == "pending"
