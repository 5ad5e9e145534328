"""Customers: numbers, NIK (encrypted, blind-indexed, masked), phones, portal access."""

from __future__ import annotations

import pytest
from django.db import connection

from core.accounts.models import Membership, User
from core.audit.models import AuditEvent
from core.crypto.fields import decrypt
from tests.factories import MembershipFactory, UserFactory
from water.registry import actions
from water.registry.models import Customer
from water.registry.tests.factories import VALID_NIK, CustomerFactory

W = "/api/v1/water"
OTHER_NIK = "3273011201850002"  # Bandung, a man born 12 January 1985
NEW = {
    "customer_number": "PEL-0001",
    "full_name": "Siti Aminah",
    "email": "siti@example.test",
    "phone": "0812-3456-7890",
    "nik": VALID_NIK,
    "address": "Jl. Melati 3",
    "customer_class": "residential",
}


def _url(client, suffix: str = "") -> str:
    return f"{W}/tenants/{client.tenant_id}/customers{suffix}"


def test_create_normalises_phone_and_encrypts_nik(client_a, operator, api):
    response = api(operator).post(_url(client_a), NEW)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["phone"], body["nik"]) == ("+6281234567890", "317101******0001")
    customer = Customer.objects.get()
    assert (customer.nik, customer.phone) == (VALID_NIK, "+6281234567890")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nik, phone, nik_bidx FROM water_registry_customer WHERE id = %s",
            [customer.pk],
        )
        raw_nik, raw_phone, bidx = cursor.fetchone()
    assert VALID_NIK not in raw_nik
    assert "3456" not in raw_phone
    assert decrypt(raw_nik, aad=b"water_registry.customer.nik") == VALID_NIK
    assert decrypt(raw_phone, aad=b"water_registry.customer.phone") == "+6281234567890"
    assert len(bidx) == 64
    assert VALID_NIK not in bidx


def test_nik_and_phone_never_reach_logs_or_audit(client_a, admin, api, caplog, capsys):
    caller = api(admin)

    created = caller.post(_url(client_a), NEW)
    caller.patch(_url(client_a, f"/{created.json()['id']}"), {"nik": OTHER_NIK, "phone": "0813"})
    caller.patch(
        _url(client_a, f"/{created.json()['id']}"), {"nik": OTHER_NIK, "phone": "081399998888"}
    )
    caller.get(_url(client_a) + f"?nik={OTHER_NIK}")
    caller.get(_url(client_a) + "?nik=3171019905900001")

    captured = capsys.readouterr()
    text = caplog.text + captured.out + captured.err
    audit = str(list(AuditEvent.objects.values_list("data", flat=True)))
    for secret in (VALID_NIK, OTHER_NIK, "3171019905900001", "81234567890", "81399998888"):
        assert secret not in text
        assert secret not in audit
    update = AuditEvent.objects.get(action=actions.CUSTOMER_UPDATED)
    assert update.data == {"fields": ["nik", "phone"]}


def test_blind_index_search_finds_exactly_one(client_a, client_b, operator, api):
    target = CustomerFactory(tenant=client_a.tenant, nik=VALID_NIK)
    CustomerFactory(tenant=client_a.tenant, nik=OTHER_NIK)
    CustomerFactory(tenant=client_a.tenant)
    CustomerFactory(tenant=client_b.tenant, nik=VALID_NIK)

    response = api(operator).get(_url(client_a) + f"?nik={VALID_NIK}")

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["items"]] == [target.pk]
    assert response.json()["items"][0]["nik"] == "317101******0001"
    assert response.json()["count"] == 1


def test_nik_search_refuses_a_malformed_nik(client_a, operator, api):
    response = api(operator).get(_url(client_a) + "?nik=12345")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "nik"


def test_q_matches_number_prefix_or_name_in_pages_with_fixed_queries(
    client_a, operator, api, django_assert_num_queries
):
    CustomerFactory(tenant=client_a.tenant, customer_number="PEL-1", full_name="Budi Hartono")
    CustomerFactory(tenant=client_a.tenant, customer_number="PEL-2", full_name="Ani Wijaya")
    CustomerFactory(tenant=client_a.tenant, customer_number="XPEL-3", full_name="Joko Budiman")
    caller = api(operator)
    caller.get(_url(client_a))

    with django_assert_num_queries(5):
        everything = caller.get(_url(client_a))
    CustomerFactory.create_batch(6, tenant=client_a.tenant)
    with django_assert_num_queries(5):
        caller.get(_url(client_a) + "?limit=200")
    by_number = caller.get(_url(client_a) + "?q=pel-")
    by_name = caller.get(_url(client_a) + "?q=budi")

    assert [c["customer_number"] for c in everything.json()["items"]] == [
        "PEL-1",
        "PEL-2",
        "XPEL-3",
    ]
    assert [c["customer_number"] for c in by_number.json()["items"]] == ["PEL-1", "PEL-2"]
    assert [c["customer_number"] for c in by_name.json()["items"]] == ["PEL-1", "XPEL-3"]


def test_customer_number_is_unique_per_tenant(client_a, client_b, operator, api):
    CustomerFactory(tenant=client_b.tenant, customer_number="PEL-0001")
    caller = api(operator)

    first = caller.post(_url(client_a), NEW)
    second = caller.post(_url(client_a), {**NEW, "full_name": "Someone Else", "nik": ""})

    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["errors"][0]["field"] == "customer_number"
    assert Customer.objects.filter(tenant=client_a.tenant).count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"nik": "9901014505900001"}, "nik", "invalid_nik"),
        ({"nik": "3171013505900001"}, "nik", "invalid_nik"),
        ({"nik": "3171014513900001"}, "nik", "invalid_nik"),
        ({"phone": "12345"}, "phone", "invalid_phone"),
    ],
)
def test_bad_nik_or_phone_is_refused_naming_the_field(changes, field, code, client_a, admin, api):
    response = api(admin).post(_url(client_a), {**NEW, **changes})

    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert not Customer.objects.exists()


def test_only_a_client_admin_sees_the_whole_nik(client_a, admin, operator, superadmin, api):
    customer = CustomerFactory(tenant=client_a.tenant, nik=VALID_NIK)
    url = _url(client_a, f"/{customer.pk}")

    shown = [api(user).get(url).json()["nik"] for user in (admin, operator, superadmin)]

    assert shown == [VALID_NIK, "317101******0001", "317101******0001"]


def test_update_changes_the_blind_index(client_a, admin, api):
    customer = CustomerFactory(tenant=client_a.tenant, nik=VALID_NIK)

    response = api(admin).patch(_url(client_a, f"/{customer.pk}"), {"nik": OTHER_NIK})
    old = api(admin).get(_url(client_a) + f"?nik={VALID_NIK}")
    new = api(admin).get(_url(client_a) + f"?nik={OTHER_NIK}")

    assert response.status_code == 200
    assert old.json()["items"] == []
    assert [c["id"] for c in new.json()["items"]] == [customer.pk]


def test_another_tenants_customer_is_not_found_and_unchanged(client_a, client_b, admin, api):
    foreign = CustomerFactory(tenant=client_b.tenant, full_name="Milik B")
    caller = api(admin)

    read = caller.get(_url(client_a, f"/{foreign.pk}"))
    edit = caller.patch(_url(client_a, f"/{foreign.pk}"), {"full_name": "Stolen"})
    removed = caller.delete(_url(client_a, f"/{foreign.pk}"))
    linked = caller.post(
        _url(client_a, f"/{foreign.pk}/portal-access"), {"email": "x@example.test"}
    )

    assert [r.status_code for r in (read, edit, removed, linked)] == [404, 404, 404, 404]
    foreign.refresh_from_db()
    assert (foreign.full_name, foreign.user_id) == ("Milik B", None)
    assert not User.objects.filter(email="x@example.test").exists()


def test_customer_without_meters_is_removed(client_a, operator, api):
    customer = CustomerFactory(tenant=client_a.tenant)

    response = api(operator).delete(_url(client_a, f"/{customer.pk}"))

    assert response.status_code == 204
    assert not Customer.objects.exists()
    assert AuditEvent.objects.filter(action=actions.CUSTOMER_DELETED).count() == 1


def test_portal_access_creates_the_account_and_membership_once(client_a, admin, api):
    customer = CustomerFactory(tenant=client_a.tenant)
    url = _url(client_a, f"/{customer.pk}/portal-access")

    first = api(admin).post(url, {"email": "Siti@Example.test"})
    again = api(admin).post(url, {"email": "siti@example.test"})

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["has_portal_account"] is True
    user = User.objects.get(email="siti@example.test")
    customer.refresh_from_db()
    assert customer.user_id == user.pk
    assert list(Membership.objects.filter(user=user).values_list("tenant_id", "role")) == [
        (client_a.tenant_id, "customer")
    ]
    linked = AuditEvent.objects.filter(action=actions.CUSTOMER_PORTAL_LINKED).order_by("seq")
    assert [e.data for e in linked] == [
        {"user_id": user.pk, "membership_added": True, "newly_linked": True},
        {"user_id": user.pk, "membership_added": False, "newly_linked": False},
    ]


def test_portal_access_reuses_an_existing_account(client_a, client_b, admin, api):
    person = UserFactory(email="budi@example.test")
    MembershipFactory(user=person, tenant=client_b.tenant, role="customer")
    customer = CustomerFactory(tenant=client_a.tenant)

    response = api(admin).post(
        _url(client_a, f"/{customer.pk}/portal-access"), {"email": "budi@example.test"}
    )

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.user_id == person.pk
    assert sorted(Membership.objects.filter(user=person).values_list("tenant_id", flat=True)) == [
        client_a.tenant_id,
        client_b.tenant_id,
    ]


def test_portal_access_refuses_to_relink_to_another_account(client_a, admin, api):
    owner = UserFactory(email="owner@example.test")
    customer = CustomerFactory(tenant=client_a.tenant, user=owner)

    response = api(admin).post(
        _url(client_a, f"/{customer.pk}/portal-access"), {"email": "intruder@example.test"}
    )

    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "email"
    customer.refresh_from_db()
    assert customer.user_id == owner.pk
    assert not User.objects.filter(email="intruder@example.test").exists()


def test_operator_cannot_grant_portal_access(client_a, operator, api):
    customer = CustomerFactory(tenant=client_a.tenant)

    response = api(operator).post(
        _url(client_a, f"/{customer.pk}/portal-access"), {"email": "siti@example.test"}
    )

    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.user_id is None
    assert not User.objects.filter(email="siti@example.test").exists()


def test_customers_see_only_their_own_records_across_tenants(
    client_a, client_b, api, django_assert_num_queries
):
    person = UserFactory()
    MembershipFactory(user=person, tenant=client_a.tenant, role="customer")
    mine_a = CustomerFactory(tenant=client_a.tenant, user=person, nik=VALID_NIK)
    mine_b = CustomerFactory(tenant=client_b.tenant, user=person)
    CustomerFactory(tenant=client_a.tenant, user=UserFactory())
    CustomerFactory(tenant=client_a.tenant)

    caller = api(person)
    caller.get(W + "/me/customers")

    with django_assert_num_queries(4):
        response = caller.get(W + "/me/customers")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [c["id"] for c in items] == [mine_a.pk, mine_b.pk]
    assert items[0]["nik"] == "317101******0001"
    assert response.json()["count"] == 2
