"""Staff pages of customers: list, search, filters, registration, editing, portal access."""

from __future__ import annotations

import pytest

from core.audit.models import AuditEvent
from water.billing.services import account_credit
from water.registry.models import Customer
from water.registry.tests.factories import VALID_NIK
from water.tests.factories import CustomerFactory, MeterFactory
from water.tests.helpers import authority

pytestmark = pytest.mark.django_db

OTHER_NIK = "3273011201850002"
# Sign-in, access check, frame and header, plus one count and one page of rows: the same for
# 2 customers as for 30.
LIST_QUERIES = 13


@pytest.fixture
def pdam(mfa_enrol):
    world = authority("tirta")
    mfa_enrol(world.admin)
    mfa_enrol(world.operator)
    return world


def _url(world, suffix: str = "") -> str:
    return f"/water/t/{world.tenant.pk}/customers/{suffix}"


def _names(response) -> list[str]:
    return [c.full_name for c in response.context["page"].object_list]


def _form_data(**overrides):
    data = {
        "customer_number": "PLG-0001",
        "full_name": "Budi Santoso",
        "customer_class": "residential",
        "status": "active",
        "nik": VALID_NIK,
        "phone": "0812 3456 7890",
        "email": "budi@example.id",
        "address": "Jl. Merdeka No. 5, Bandung",
    }
    data.update(overrides)
    return data


def test_list_shows_the_tenants_customers_with_meter_counts_and_balances(
    client, pdam, django_assert_num_queries
):
    rich = CustomerFactory(tenant=pdam.tenant, customer_number="A-1", full_name="Ani")
    CustomerFactory(tenant=pdam.tenant, customer_number="A-2", full_name="Bayu")
    CustomerFactory(full_name="Elsewhere")  # another tenant's customer
    for serial in ("IW-1", "IW-2"):
        meter = MeterFactory(tenant=pdam.tenant, customer=rich, serial=serial)
        account_credit(meter=meter, amount_idr=20_000, kind="topup", idempotency_key=serial)
    client.force_login(pdam.operator)
    client.get(_url(pdam))  # the session's first request records it

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(_url(pdam))

    assert response.status_code == 200
    rows = [(c.full_name, c.meter_count, c.balance_idr) for c in response.context["page"]]
    assert rows == [("Ani", 2, 40_000), ("Bayu", 0, None)]
    assert "Rp 40,000" in response.content.decode()


def test_list_query_count_does_not_grow_with_rows(client, pdam, django_assert_num_queries):
    for n in range(30):
        customer = CustomerFactory(tenant=pdam.tenant)
        MeterFactory(tenant=pdam.tenant, customer=customer, serial=f"IW-N{n}")
    client.force_login(pdam.operator)
    client.get(_url(pdam))

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(_url(pdam))

    assert len(response.context["page"].object_list) == 25


def test_search_matches_name_number_prefix_address_and_exact_nik(client, pdam):
    CustomerFactory(tenant=pdam.tenant, customer_number="PLG-10", full_name="Dewi", nik=VALID_NIK)
    CustomerFactory(
        tenant=pdam.tenant, customer_number="PLG-20", full_name="Eko", address="Jl. Cihampelas 1"
    )
    CustomerFactory(tenant=pdam.tenant, customer_number="X-PLG", full_name="Fajar", nik=OTHER_NIK)
    client.force_login(pdam.operator)

    assert _names(client.get(_url(pdam), {"q": "plg-"})) == ["Dewi", "Eko"]
    assert _names(client.get(_url(pdam), {"q": "ewi"})) == ["Dewi"]
    assert _names(client.get(_url(pdam), {"q": "cihampelas"})) == ["Eko"]
    assert _names(client.get(_url(pdam), {"q": OTHER_NIK})) == ["Fajar"]


def test_filters_by_class_and_status_and_keeps_the_query_in_page_links(client, pdam):
    for n in range(27):
        CustomerFactory(
            tenant=pdam.tenant,
            customer_number=f"S-{n:02d}",
            full_name=f"Social {n:02d}",
            customer_class="social",
        )
    CustomerFactory(tenant=pdam.tenant, customer_class="commercial", full_name="Toko")
    CustomerFactory(
        tenant=pdam.tenant, customer_class="social", status="suspended", full_name="Paused"
    )
    client.force_login(pdam.operator)

    first = client.get(_url(pdam), {"class": "social", "status": "active"})
    second = client.get(_url(pdam), {"class": "social", "status": "active", "page": "2"})

    assert first.context["page"].paginator.count == 27
    assert len(_names(first)) == 25
    assert _names(second) == ["Social 25", "Social 26"]
    assert "?class=social&amp;status=active&amp;page=2" in first.content.decode()
    assert _names(client.get(_url(pdam), {"status": "suspended"})) == ["Paused"]


def test_operator_registers_a_customer_with_normalised_contact_data(client, pdam):
    client.force_login(pdam.operator)

    response = client.post(_url(pdam, "new/"), _form_data())

    customer = Customer.objects.get(tenant=pdam.tenant)
    assert response.status_code == 303
    assert response["Location"] == _url(pdam, f"{customer.pk}/?created=1")
    assert (customer.customer_number, customer.nik, customer.phone) == (
        "PLG-0001",
        VALID_NIK,
        "+6281234567890",
    )
    assert AuditEvent.objects.filter(action="water.customer_created").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nik", "1234", "NIK must be exactly 16 digits."),
        ("phone", "12", "Enter the phone number as 0812… or +62 812 3456 7890."),
        ("full_name", "", "This field is required."),
    ],
)
def test_invalid_customer_is_shown_next_to_the_field_and_nothing_is_stored(
    client, pdam, field, value, message
):
    client.force_login(pdam.operator)

    response = client.post(_url(pdam, "new/"), _form_data(**{field: value}))

    assert response.status_code == 422
    assert response.context["form"].errors[field] == [message]
    assert Customer.objects.count() == 0


def test_a_taken_customer_number_is_refused(client, pdam):
    CustomerFactory(tenant=pdam.tenant, customer_number="PLG-0001")
    client.force_login(pdam.operator)

    response = client.post(_url(pdam, "new/"), _form_data())

    assert response.status_code == 422
    assert response.context["form"].errors["customer_number"] == [
        "A customer with this number already exists."
    ]
    assert Customer.objects.count() == 1


def test_detail_shows_decrypted_contact_data_meters_and_balances(client, pdam):
    customer = CustomerFactory(
        tenant=pdam.tenant, full_name="Sari", nik=VALID_NIK, phone="+6281200000009"
    )
    meter = MeterFactory(tenant=pdam.tenant, customer=customer, serial="IW-BDG-1")
    account_credit(meter=meter, amount_idr=18_500, kind="topup", idempotency_key="s1")
    client.force_login(pdam.operator)

    response = client.get(_url(pdam, f"{customer.pk}/"))

    body = response.content.decode()
    assert response.status_code == 200
    assert VALID_NIK in body
    assert "+6281200000009" in body
    assert "IW-BDG-1" in body
    assert "Rp 18,500" in body


def test_edit_saves_through_the_service_and_errors_change_nothing(client, pdam):
    customer = CustomerFactory(tenant=pdam.tenant, full_name="Old Name", customer_number="N-1")
    client.force_login(pdam.operator)
    url = _url(pdam, f"{customer.pk}/")

    bad = client.post(url, _form_data(customer_number="N-1", full_name="New", nik="99"))
    customer.refresh_from_db()
    assert bad.status_code == 422
    assert bad.context["form"].errors["nik"] == ["NIK must be exactly 16 digits."]
    assert customer.full_name == "Old Name"

    good = client.post(url, _form_data(customer_number="N-1", full_name="New Name"))
    customer.refresh_from_db()
    assert good.status_code == 303
    assert (customer.full_name, customer.nik) == ("New Name", VALID_NIK)


def test_admin_grants_portal_access(client, pdam):
    customer = CustomerFactory(tenant=pdam.tenant)
    client.force_login(pdam.admin)

    response = client.post(
        _url(pdam, f"{customer.pk}/portal-access/"), {"email": "Sari@Example.id"}
    )

    customer.refresh_from_db()
    assert response.status_code == 303
    assert customer.user is not None
    assert customer.user.email == "sari@example.id"


def test_operator_may_not_grant_portal_access(client, pdam):
    customer = CustomerFactory(tenant=pdam.tenant)
    client.force_login(pdam.operator)

    response = client.post(_url(pdam, f"{customer.pk}/portal-access/"), {"email": "x@example.id"})

    customer.refresh_from_db()
    assert response.status_code == 403
    assert customer.user_id is None


def test_admin_removes_a_customer_without_meters_but_not_one_with(client, pdam):
    idle = CustomerFactory(tenant=pdam.tenant)
    busy = CustomerFactory(tenant=pdam.tenant)
    MeterFactory(tenant=pdam.tenant, customer=busy)
    client.force_login(pdam.admin)

    assert client.post(_url(pdam, f"{idle.pk}/delete/")).status_code == 303
    refused = client.post(_url(pdam, f"{busy.pk}/delete/"))

    assert refused.status_code == 409
    assert list(Customer.objects.values_list("pk", flat=True)) == [busy.pk]


def test_another_tenants_customer_answers_404_and_is_not_changed(client, pdam):
    foreign = CustomerFactory(full_name="Foreign")
    client.force_login(pdam.admin)

    assert client.get(_url(pdam, f"{foreign.pk}/")).status_code == 404
    response = client.post(_url(pdam, f"{foreign.pk}/"), _form_data(full_name="Hijacked"))

    foreign.refresh_from_db()
    assert response.status_code == 404
    assert foreign.full_name == "Foreign"


def test_a_customer_login_cannot_open_the_staff_list(client, pdam):
    client.force_login(pdam.customer)

    assert client.get(_url(pdam)).status_code == 403


def test_the_meters_card_refreshes_alone_with_fixed_queries(
    client, pdam, django_assert_num_queries
):
    customer = CustomerFactory(tenant=pdam.tenant)
    for serial in ("IW-A", "IW-B", "IW-C"):
        meter = MeterFactory(tenant=pdam.tenant, customer=customer, serial=serial)
        account_credit(meter=meter, amount_idr=5_000, kind="topup", idempotency_key=serial)
    client.force_login(pdam.operator)
    url = _url(pdam, f"{customer.pk}/")
    client.get(url)

    with django_assert_num_queries(12):
        response = client.get(url, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert "<html" not in body
    assert body.count("Rp 5,000") == 3
