"""Water authorities: creation, profile and settings, suspension, holidays."""

from __future__ import annotations

import datetime as dt

from core.audit import actions as core_actions
from core.audit.models import AuditEvent
from core.tenancy.models import Tenant, TenantKind
from water.registry import actions
from water.registry.models import Client, ClientHoliday
from water.registry.tests.factories import ClientFactory, ClientHolidayFactory

W = "/api/v1/water"
NEW = {
    "name": "PDAM Tirta Kencana",
    "slug": "tirta-kencana",
    "timezone": "Asia/Makassar",
    "legal_name": "Perumda Air Minum Tirta Kencana",
    "npwp": "01.234.567.8-901.000",
    "contact_name": "Budi Santoso",
    "contact_email": "budi@tirta.test",
    "contact_phone": "0812-3456-7890",
}


def test_superadmin_creates_tenant_and_client_together(superadmin, api):
    response = api(superadmin).post(W + "/clients", NEW)

    assert response.status_code == 201, response.content
    body = response.json()
    tenant = Tenant.objects.get(slug="tirta-kencana")
    client = Client.objects.get(tenant=tenant)
    assert (tenant.kind, tenant.name, tenant.timezone) == (
        TenantKind.WATER_AUTHORITY,
        "PDAM Tirta Kencana",
        "Asia/Makassar",
    )
    assert (client.npwp, client.contact_phone, client.timezone) == (
        "012345678901000",
        "+6281234567890",
        "Asia/Makassar",
    )
    assert body["tenant_id"] == tenant.pk
    assert body["slug"] == "tirta-kencana"
    assert body["npwp"] == "012345678901000"
    event = AuditEvent.objects.get(action=actions.CLIENT_CREATED)
    assert (event.actor_id, event.tenant_id) == (superadmin.pk, tenant.pk)


def test_taken_slug_is_a_conflict_and_creates_nothing(superadmin, client_a, api):
    tenants = Tenant.objects.count()

    response = api(superadmin).post(W + "/clients", {**NEW, "slug": "pdam-a"})

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["errors"][0]["field"] == "slug"
    assert Tenant.objects.count() == tenants
    assert Client.objects.count() == 1


def test_bad_npwp_is_refused_naming_the_field(superadmin, api):
    response = api(superadmin).post(W + "/clients", {**NEW, "npwp": "01.234.567.8-901.00"})

    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("npwp", "invalid_npwp")
    ]
    assert not Tenant.objects.filter(slug="tirta-kencana").exists()


def test_superadmin_lists_clients_in_pages_with_fixed_queries(
    superadmin, api, django_assert_num_queries
):
    for n in range(5):
        ClientFactory(legal_name=f"PDAM {n}")
    caller = api(superadmin)
    caller.get(W + "/clients")  # warm the per-user caches of authentication

    with django_assert_num_queries(3):
        response = caller.get(W + "/clients?limit=2&offset=1")
    ClientFactory.create_batch(10)
    with django_assert_num_queries(3):
        caller.get(W + "/clients?limit=200")

    body = response.json()
    assert [c["legal_name"] for c in body["items"]] == ["PDAM 1", "PDAM 2"]
    assert (body["count"], body["limit"], body["offset"]) == (5, 2, 1)


def test_page_size_is_capped_at_200(superadmin, api):
    response = api(superadmin).get(W + "/clients?limit=201")

    assert response.status_code == 422


def test_staff_read_their_own_client_but_not_another(client_a, client_b, operator, api):
    caller = api(operator)

    own = caller.get(f"{W}/tenants/{client_a.tenant_id}/client")
    foreign = caller.get(f"{W}/tenants/{client_b.tenant_id}/client")

    assert own.status_code == 200
    assert own.json()["legal_name"] == client_a.legal_name
    assert foreign.status_code == 404


def test_admin_changes_settings_audited_with_before_and_after(client_a, admin, api):
    response = api(admin).patch(
        f"{W}/tenants/{client_a.tenant_id}/client",
        {
            "low_balance_threshold_idr": 25_000,
            "no_disconnect_from": "17:00",
            "no_disconnect_sundays": False,
            "emergency_credit_idr": 5_000,
            "contact_phone": "081111111111",
        },
    )

    assert response.status_code == 200, response.content
    client_a.refresh_from_db()
    assert client_a.low_balance_threshold_idr == 25_000
    assert client_a.no_disconnect_from == dt.time(17, 0)
    assert client_a.no_disconnect_sundays is False
    assert client_a.emergency_credit_idr == 5_000
    assert client_a.contact_phone == "+6281111111111"
    event = AuditEvent.objects.get(action=core_actions.CONFIG_CHANGED)
    assert event.actor_id == admin.pk
    assert event.data == {
        "before": {
            "low_balance_threshold_idr": 10_000,
            "no_disconnect_from": "18:00:00",
            "no_disconnect_sundays": True,
            "emergency_credit_idr": 0,
        },
        "after": {
            "low_balance_threshold_idr": 25_000,
            "no_disconnect_from": "17:00:00",
            "no_disconnect_sundays": False,
            "emergency_credit_idr": 5_000,
        },
        "sensitive_changed": ["contact_phone"],
    }
    assert "8111" not in str(event.data)


def test_operator_cannot_change_settings(client_a, operator, api):
    response = api(operator).patch(
        f"{W}/tenants/{client_a.tenant_id}/client", {"low_balance_threshold_idr": 1}
    )

    assert response.status_code == 403
    client_a.refresh_from_db()
    assert client_a.low_balance_threshold_idr == 10_000
    assert not AuditEvent.objects.filter(action=core_actions.CONFIG_CHANGED).exists()


def test_admin_of_another_client_gets_404_and_nothing_changes(client_a, admin_b, api):
    response = api(admin_b).patch(
        f"{W}/tenants/{client_a.tenant_id}/client", {"emergency_credit_idr": 9}
    )

    assert response.status_code == 404
    client_a.refresh_from_db()
    assert client_a.emergency_credit_idr == 0


def test_identity_and_fees_are_the_superadmins(client_a, admin, superadmin, api):
    url = f"{W}/tenants/{client_a.tenant_id}/client"

    refused = api(admin).patch(url, {"legal_name": "Renamed", "service_fee_value": 0})
    allowed = api(superadmin).patch(url, {"legal_name": "Renamed", "timezone": "Asia/Jayapura"})

    assert refused.status_code == 403
    assert allowed.status_code == 200
    client_a.refresh_from_db()
    client_a.tenant.refresh_from_db()
    assert (client_a.legal_name, client_a.service_fee_value) == ("Renamed", 250)
    assert (client_a.timezone, client_a.tenant.timezone) == ("Asia/Jayapura", "Asia/Jayapura")


def test_settings_refuse_unknown_keys_and_nulls(client_a, admin, api):
    url = f"{W}/tenants/{client_a.tenant_id}/client"

    unknown = api(admin).patch(url, {"status": "suspended"})
    null = api(admin).patch(url, {"low_balance_threshold_idr": None})
    empty_window = api(admin).patch(
        url, {"no_disconnect_from": "07:00", "no_disconnect_until": "07:00"}
    )

    assert [r.status_code for r in (unknown, null, empty_window)] == [422, 422, 422]
    client_a.refresh_from_db()
    assert (client_a.status, client_a.low_balance_threshold_idr) == ("active", 10_000)
    assert client_a.no_disconnect_from == dt.time(18, 0)


def test_suspending_a_client_suspends_its_tenant(client_a, superadmin, api):
    url = f"{W}/tenants/{client_a.tenant_id}/client/status"

    suspended = api(superadmin).post(url, {"status": "suspended", "reason": "unpaid fees"})
    again = api(superadmin).post(url, {"status": "suspended"})

    assert suspended.status_code == 200
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    client_a.refresh_from_db()
    client_a.tenant.refresh_from_db()
    assert (client_a.status, client_a.tenant.status) == ("suspended", "suspended")
    event = AuditEvent.objects.get(action=actions.CLIENT_STATUS_CHANGED)
    assert event.data == {"from": "active", "to": "suspended", "reason": "unpaid fees"}

    reactivated = api(superadmin).post(url, {"status": "active"})

    assert reactivated.status_code == 200
    client_a.tenant.refresh_from_db()
    assert client_a.tenant.status == "active"


def test_holidays_are_listed_added_and_removed(client_a, admin, api):
    url = f"{W}/tenants/{client_a.tenant_id}/holidays"
    caller = api(admin)

    added = caller.post(url, {"date": "2027-08-17", "name": "Hari Kemerdekaan"})
    caller.post(url, {"date": "2027-03-20", "name": "Idul Fitri"})
    duplicate = caller.post(url, {"date": "2027-08-17", "name": "Again"})
    listed = caller.get(url)

    assert added.status_code == 201
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0]["field"] == "date"
    assert [h["date"] for h in listed.json()["items"]] == ["2027-03-20", "2027-08-17"]
    assert AuditEvent.objects.filter(action=core_actions.CONFIG_CHANGED).count() == 2

    removed = caller.delete(f"{url}/{added.json()['id']}")

    assert removed.status_code == 204
    assert list(ClientHoliday.objects.values_list("name", flat=True)) == ["Idul Fitri"]


def test_another_clients_holiday_is_not_found(client_a, client_b, admin, api):
    foreign = ClientHolidayFactory(tenant=client_b.tenant)

    response = api(admin).delete(f"{W}/tenants/{client_a.tenant_id}/holidays/{foreign.pk}")

    assert response.status_code == 404
    assert ClientHoliday.objects.filter(pk=foreign.pk).exists()


def test_operator_cannot_add_holidays(client_a, operator, api):
    response = api(operator).post(
        f"{W}/tenants/{client_a.tenant_id}/holidays", {"date": "2027-08-17", "name": "HUT RI"}
    )

    assert response.status_code == 403
    assert not ClientHoliday.objects.exists()
