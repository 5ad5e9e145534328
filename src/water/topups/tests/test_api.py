"""Top-up API: options, starting a payment, my top-ups and the authority's list."""

from __future__ import annotations

import pytest

from core.payments.models import Payment, State
from water.tests.helpers import Api
from water.topups.services import cash_topup_record, topup_start
from water.topups.tests.factories import household

pytestmark = pytest.mark.django_db

ME = "/api/v1/water/me"


def _start(home, amount=50_000, method="qris"):
    return topup_start(
        actor=home.customer, meter=home.meter, amount_idr=amount, gateway="sandbox", method=method
    )


def test_the_options_of_my_meter():
    home = household()
    response = Api(home.customer).get(f"{ME}/meters/{home.meter.pk}/topup-options")
    assert response.status_code == 200
    body = response.json()
    assert body["denominations_idr"] == [10_000, 25_000, 50_000, 100_000, 250_000, 500_000]
    assert (body["meter_id"], body["currency"], body["min_idr"], body["max_idr"]) == (
        home.meter.pk,
        "IDR",
        10_000,
        5_000_000,
    )
    assert body["methods"][0] == {
        "gateway": "sandbox",
        "gateway_label": "Sandbox",
        "method": "qris",
        "label": "QRIS",
        "kind": "qris",
        "fee_flat_idr": 0,
        "fee_rate_bp": 70,
    }
    assert [m["method"] for m in body["methods"]] == [
        "qris",
        "va_bca",
        "va_bni",
        "va_bri",
        "va_permata",
        "echannel",
        "snap",
    ]


def test_starting_a_topup_answers_what_the_payer_needs():
    home = household()
    response = Api(home.customer).post(
        f"{ME}/meters/{home.meter.pk}/topups",
        {
            "amount_idr": 50_000,
            "gateway": "sandbox",
            "method": "qris",
            "idempotency_key": "k-000001",
        },
    )
    assert response.status_code == 201
    body = response.json()
    payment = Payment.objects.get()
    assert body["reference"] == payment.reference
    assert (body["state"], body["amount_idr"], body["fee_idr"], body["total_idr"]) == (
        "pending",
        50_000,
        350,
        50_350,
    )
    assert (body["gateway"], body["method"], body["meter_id"]) == ("sandbox", "qris", home.meter.pk)
    assert body["page_url"] == f"/payments/{payment.reference}/"
    assert body["checkout"]["qr_string"] == payment.checkout["qr_string"]
    assert (body["checkout"]["va_number"], body["checkout"]["redirect_url"]) == ("", "")
    assert body["checkout"]["expires_at"] is not None


def test_a_virtual_account_answer_carries_the_number_and_bank():
    home = household()
    response = Api(home.customer).post(
        f"{ME}/meters/{home.meter.pk}/topups",
        {"amount_idr": 100_000, "gateway": "sandbox", "method": "va_bni"},
    )
    assert response.status_code == 201
    checkout = response.json()["checkout"]
    assert checkout["va_bank"] == "bni"
    assert checkout["va_number"] == Payment.objects.get().checkout["va_number"]
    assert response.json()["total_idr"] == 104_000


def test_the_same_key_twice_is_one_payment():
    home = household()
    api = Api(home.customer)
    url = f"{ME}/meters/{home.meter.pk}/topups"
    body = {
        "amount_idr": 25_000,
        "gateway": "sandbox",
        "method": "snap",
        "idempotency_key": "k-twice1",
    }
    first, again = api.post(url, body), api.post(url, body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["reference"] == again.json()["reference"]
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount_idr": 9_999, "gateway": "sandbox", "method": "qris"}, "amount_idr"),
        ({"amount_idr": 5_000_001, "gateway": "sandbox", "method": "qris"}, "amount_idr"),
        ({"amount_idr": 50_000, "gateway": "sandbox", "method": "bitcoin"}, "method"),
        ({"amount_idr": 50_000, "gateway": "doku", "method": "qris"}, "method"),
    ],
)
def test_a_refused_topup_is_a_422_with_its_code_and_stores_nothing(body, field):
    home = household()
    response = Api(home.customer).post(f"{ME}/meters/{home.meter.pk}/topups", body)
    assert response.status_code == 422
    assert response.json()["code"] == "payment_invalid"
    assert Payment.objects.count() == 0


def test_someone_elses_meter_answers_404_and_stores_nothing():
    home, neighbour = household(), household("pdam-bogor")
    api = Api(home.customer)
    started = api.post(
        f"{ME}/meters/{neighbour.meter.pk}/topups",
        {"amount_idr": 50_000, "gateway": "sandbox", "method": "qris"},
    )
    assert (started.status_code, started.json()["code"]) == (404, "not_found")
    assert api.get(f"{ME}/meters/{neighbour.meter.pk}/topup-options").status_code == 404
    assert Payment.objects.count() == 0


def test_my_topups_are_mine_only_newest_first_in_a_fixed_number_of_queries(
    django_assert_num_queries,
):
    home, neighbour = household(), household("pdam-bogor")
    older, newer = _start(home, 10_000), _start(home, 25_000, "va_bca")
    _start(neighbour)
    api = Api(home.customer)
    with django_assert_num_queries(4):
        response = api.get(f"{ME}/payments?limit=1&offset=0")
    body = response.json()
    assert (body["count"], body["limit"], body["offset"]) == (2, 1, 0)
    assert [item["reference"] for item in body["items"]] == [newer.reference]
    rest = api.get(f"{ME}/payments?limit=5&offset=1").json()
    assert [item["reference"] for item in rest["items"]] == [older.reference]


def test_staff_list_their_authoritys_topups_with_filters():
    home, neighbour = household(), household("pdam-bogor")
    qris = _start(home)
    va = _start(home, 100_000, "va_bri")
    cash = cash_topup_record(
        actor=home.world.operator, meter=home.meter, amount_idr=20_000, reason="cash"
    )
    _start(neighbour)
    api = Api(home.world.operator)
    base = f"/api/v1/water/tenants/{home.tenant.pk}/payments"
    listed = api.get(base).json()
    assert [i["reference"] for i in listed["items"]] == [
        cash.reference,
        va.reference,
        qris.reference,
    ]
    settled = api.get(f"{base}?state=settled").json()
    assert [(i["reference"], i["state"]) for i in settled["items"]] == [
        (cash.reference, State.SETTLED)
    ]
    cash_only = api.get(f"{base}?gateway=cash").json()
    assert [i["total_idr"] for i in cash_only["items"]] == [20_000]
    none_yet = api.get(f"{base}?from=2099-01-01T00:00:00Z").json()
    assert none_yet["count"] == 0
    assert api.get(f"{base}?state=nonsense").status_code == 422


def test_staff_of_another_authority_see_nothing():
    home, neighbour = household(), household("pdam-bogor")
    _start(home)
    response = Api(neighbour.world.admin).get(f"/api/v1/water/tenants/{home.tenant.pk}/payments")
    assert response.status_code == 404
