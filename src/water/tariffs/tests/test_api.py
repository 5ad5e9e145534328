"""Tariffs API: CRUD by client admins, reads by operators, quotes."""

from __future__ import annotations

import pytest

from water.tariffs.models import Tariff
from water.tariffs.tests.factories import tariff_with_blocks
from water.tests.helpers import Api, authority, tenant_url

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Tarif Rumah Tangga",
    "customer_class": "residential",
    "effective_from": "2026-01-01",
    "fixed_monthly_charge_idr": 7_500,
    "minimum_charge_idr": 20_000,
    "blocks": [
        {"from_litres": 0, "to_litres": 10_000, "price_per_m3_idr": 5_000},
        {"from_litres": 10_000, "to_litres": 20_000, "price_per_m3_idr": 6_000},
        {"from_litres": 20_000, "to_litres": None, "price_per_m3_idr": 7_000},
    ],
}


@pytest.fixture
def pdam():
    return authority("pdam-kota")


def test_a_client_admin_creates_a_tariff_and_an_operator_reads_it(pdam):
    created = Api(pdam.admin).post(tenant_url(pdam.tenant, "/tariffs"), BODY)
    assert created.status_code == 201
    tariff_id = created.json()["id"]
    shown = Api(pdam.operator).get(tenant_url(pdam.tenant, f"/tariffs/{tariff_id}")).json()
    assert shown["blocks"] == BODY["blocks"]
    assert (shown["fixed_monthly_charge_idr"], shown["minimum_charge_idr"]) == (7_500, 20_000)


def test_an_operator_may_not_write_tariffs(pdam):
    response = Api(pdam.operator).post(tenant_url(pdam.tenant, "/tariffs"), BODY)
    assert response.status_code == 403
    assert not Tariff.objects.exists()


def test_overlapping_dates_answer_409(pdam):
    api = Api(pdam.admin)
    assert api.post(tenant_url(pdam.tenant, "/tariffs"), BODY).status_code == 201
    clash = api.post(tenant_url(pdam.tenant, "/tariffs"), {**BODY, "effective_from": "2026-05-01"})
    assert clash.status_code == 409
    assert clash.json()["code"] == "conflict"
    assert Tariff.objects.count() == 1


def test_bad_blocks_answer_422_with_the_problems(pdam):
    body = {**BODY, "blocks": [{"from_litres": 5, "to_litres": None, "price_per_m3_idr": 5_000}]}
    response = Api(pdam.admin).post(tenant_url(pdam.tenant, "/tariffs"), body)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert not Tariff.objects.exists()


def test_the_list_pages_in_a_fixed_number_of_queries(pdam, django_assert_num_queries):
    for year in (2020, 2021, 2022):
        tariff_with_blocks(
            tenant=pdam.tenant, effective_from=f"{year}-01-01", effective_to=f"{year}-12-31"
        )
    api = Api(pdam.operator)
    with django_assert_num_queries(5):
        body = api.get(tenant_url(pdam.tenant, "/tariffs?limit=2")).json()
    assert body["count"] == 3
    assert [t["effective_from"] for t in body["items"]] == ["2022-01-01", "2021-01-01"]
    assert len(body["items"][0]["blocks"]) == 3


def test_renaming_a_tariff_in_force_works_but_repricing_answers_409(pdam):
    tariff = tariff_with_blocks(tenant=pdam.tenant)
    url = tenant_url(pdam.tenant, f"/tariffs/{tariff.pk}")
    api = Api(pdam.admin)
    renamed = api.http.patch(url, {"name": "Baru"}, content_type="application/json", **api.headers)
    assert renamed.json()["name"] == "Baru"
    repriced = api.http.patch(
        url, {"minimum_charge_idr": 1}, content_type="application/json", **api.headers
    )
    assert repriced.status_code == 409
    tariff.refresh_from_db()
    assert tariff.minimum_charge_idr == 0


def test_a_quote_itemises_the_blocks(pdam):
    tariff = tariff_with_blocks(tenant=pdam.tenant, fixed_monthly_charge_idr=7_500)
    response = Api(pdam.operator).post(
        tenant_url(pdam.tenant, f"/tariffs/{tariff.pk}/quote"), {"litres": 25_000}
    )
    assert response.json() == {
        "litres": 25_000,
        "blocks": [
            {
                "from_litres": 0,
                "to_litres": 10_000,
                "price_per_m3_idr": 5_000,
                "litres": 10_000,
                "amount": "50000",
            },
            {
                "from_litres": 10_000,
                "to_litres": 20_000,
                "price_per_m3_idr": 6_000,
                "litres": 10_000,
                "amount": "60000",
            },
            {
                "from_litres": 20_000,
                "to_litres": None,
                "price_per_m3_idr": 7_000,
                "litres": 5_000,
                "amount": "35000",
            },
        ],
        "consumption_idr": 145_000,
        "minimum_topup_idr": 0,
        "fixed_monthly_charge_idr": 7_500,
        "total_idr": 152_500,
    }


def test_another_tenants_tariff_answers_404(pdam):
    foreign = tariff_with_blocks(tenant=authority("pdam-lain").tenant)
    response = Api(pdam.admin).get(tenant_url(pdam.tenant, f"/tariffs/{foreign.pk}"))
    assert response.status_code == 404
