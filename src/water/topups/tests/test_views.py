"""The customer's top-up page: form, summary, paying, errors, the empty state and who may see it."""

from __future__ import annotations

import pytest

from core.payments.models import Payment
from tests.factories import MembershipFactory, UserFactory
from water.billing.services import account_credit
from water.tests.factories import CustomerFactory, MeterFactory
from water.topups.services import cash_topup_record, topup_start
from water.topups.tests.factories import household

pytestmark = pytest.mark.django_db

PAGE = "/water/topup/"


@pytest.fixture
def home(client):
    home = household(serial="IW-BDG-000777")
    client.force_login(home.customer)
    return home


def _form(home, **fields):
    return {"meter": str(home.meter.pk), "idempotency_key": "form-key-0001", **fields}


def test_the_page_offers_the_amounts_and_the_methods_with_their_fees(client, home):
    account_credit(meter=home.meter, amount_idr=12_500, kind="topup", idempotency_key="k:1")
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "IW-BDG-000777" in html
    assert "Rp 12,500" in html
    for amount in ("Rp 10,000", "Rp 25,000", "Rp 50,000", "Rp 100,000", "Rp 250,000", "Rp 500,000"):
        assert f"<span>{amount}</span>" in html
    assert 'value="sandbox:qris"' in html
    assert "Fee 0.7 %" in html
    assert 'value="sandbox:va_bca"' in html
    assert "Fee Rp 4,000" in html
    assert 'value="sandbox:card"' not in html
    assert 'hx-trigger="live:water.balance from:body, live:resync from:body"' in html
    assert "<script>" not in html  # the page relies on htmx attributes only


def test_in_indonesian_the_page_and_money_read_naturally(client, home):
    response = client.get(PAGE, headers={"accept-language": "id"})
    html = response.content.decode()
    assert "Isi ulang saldo air" in html
    assert "<span>Rp 50.000</span>" in html
    assert "Biaya 0,7 %" in html
    assert "Biaya penyedia pembayaran ditambahkan ke pembayaran Anda" in html
    assert "Dari Rp 10.000 sampai Rp 5.000.000, tanpa desimal." in html


def test_the_summary_adds_the_fee_to_the_amount(client, home):
    response = client.get(
        "/water/topup/summary/",
        {"meter": home.meter.pk, "amount": "50000", "method": "sandbox:qris"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-summary="amount">Rp 50,000<' in html
    assert 'data-summary="fee">Rp 350<' in html
    assert 'data-summary="total">Rp 50,350<' in html
    assert "Pay Rp 50,350" in html


def test_a_typed_amount_replaces_the_buttons_in_the_summary(client, home):
    response = client.get(
        "/water/topup/summary/",
        {"amount": "50000", "custom_amount": "10.001", "method": "sandbox:qris"},
    )
    html = response.content.decode()
    assert 'data-summary="amount">Rp 10,001<' in html
    assert 'data-summary="fee">Rp 71<' in html
    assert 'data-summary="total">Rp 10,072<' in html


def test_paying_starts_the_payment_and_goes_to_its_page(client, home):
    response = client.post(PAGE, _form(home, amount="50000", method="sandbox:qris"))
    payment = Payment.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/payments/{payment.reference}/"
    assert (payment.amount_minor, payment.fee_minor, payment.method) == (50_000, 350, "qris")
    assert payment.payer_id == home.customer.pk
    # the same form sent twice (a double click) is still one payment
    again = client.post(PAGE, _form(home, amount="50000", method="sandbox:qris"))
    assert again["Location"] == response["Location"]
    assert Payment.objects.count() == 1


def test_the_server_computes_the_total_itself(client, home):
    client.post(PAGE, _form(home, amount="50000", method="sandbox:va_bri", total="1", fee="0"))
    payment = Payment.objects.get()
    assert (payment.fee_minor, payment.total_minor) == (4_000, 54_000)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": "50000"}, "Choose how you want to pay."),
        ({"amount": "50000", "method": "sandbox:card"}, "This payment method is not available."),
        ({"method": "sandbox:qris"}, "Choose an amount or enter your own."),
        ({"custom_amount": "9000", "method": "sandbox:qris"}, "A top-up is between Rp 10,000"),
        ({"custom_amount": "5000001", "method": "sandbox:qris"}, "A top-up is between Rp 10,000"),
        ({"custom_amount": "lima puluh", "method": "sandbox:qris"}, "whole Rupiah"),
    ],
)
def test_a_wrong_choice_re_renders_the_form_and_changes_nothing(client, home, fields, message):
    response = client.post(PAGE, _form(home, **fields))
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert "field-errors" in html
    assert Payment.objects.count() == 0


def test_without_javascript_the_summary_is_brought_up_to_date_on_request(client, home):
    response = client.post(
        PAGE, _form(home, amount="100000", method="sandbox:snap", action="review")
    )
    assert response.status_code == 200
    assert 'data-summary="total">Rp 105,000<' in response.content.decode()
    assert Payment.objects.count() == 0


def test_the_recent_topups_of_the_meter_link_to_their_pages(client, home):
    payment = topup_start(
        actor=home.customer, meter=home.meter, amount_idr=25_000, gateway="sandbox", method="qris"
    )
    cash = cash_topup_record(
        actor=home.world.operator, meter=home.meter, amount_idr=10_000, reason="counter"
    )
    html = client.get(PAGE).content.decode()
    assert f'href="/payments/{payment.reference}/"' in html
    assert f'href="/payments/{cash.reference}/"' in html
    assert "Waiting for payment" in html
    assert "QRIS · <time" in html
    assert "Cash · <time" in html


def test_a_customer_with_two_meters_chooses_one(client, home):
    second = MeterFactory(
        tenant=home.tenant,
        customer=CustomerFactory(tenant=home.tenant, user=home.customer),
        serial="IW-BDG-000999",
    )
    html = client.get(PAGE, {"meter": second.pk}).content.decode()
    assert f'<input type="hidden" name="meter" value="{second.pk}">' in html
    assert f'href="?meter={home.meter.pk}"' in html
    response = client.post(PAGE, {"meter": second.pk, "amount": "10000", "method": "sandbox:qris"})
    assert response.status_code == 303
    assert Payment.objects.get().purpose_ref == str(second.pk)


def test_someone_elses_meter_cannot_be_chosen(client, home):
    neighbour = household("pdam-bogor")
    response = client.post(
        PAGE, {"meter": neighbour.meter.pk, "amount": "10000", "method": "sandbox:qris"}
    )
    # the form falls back to the customer's own meter, never the neighbour's
    assert Payment.objects.get().purpose_ref == str(home.meter.pk)
    assert response.status_code == 303
    assert client.get(f"/water/topup/meters/{neighbour.meter.pk}/balance/").status_code == 404


def test_the_balance_card_refreshes_from_the_database(client, home):
    account_credit(meter=home.meter, amount_idr=30_000, kind="topup", idempotency_key="k:b")
    response = client.get(f"/water/topup/meters/{home.meter.pk}/balance/")
    assert response.status_code == 200
    assert 'data-balance="30000"' in response.content.decode()


def test_a_customer_without_meters_sees_how_to_get_one(client):
    user = UserFactory(email="baru@example.id")
    home = household()
    MembershipFactory(user=user, tenant=home.tenant, role="customer")
    client.force_login(user)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No meter is linked to your account yet" in html
    assert "baru@example.id" in html


def test_staff_are_refused_and_visitors_sent_to_sign_in(client, mfa_enrol):
    home = household()
    visitor = client.get(PAGE)
    assert (visitor.status_code, visitor["Location"]) == (
        302,
        "/accounts/login/?next=/water/topup/",
    )
    mfa_enrol(home.world.operator)
    client.force_login(home.world.operator)
    response = client.post(PAGE, _form(home, amount="10000", method="sandbox:qris"))
    assert response.status_code == 403
    assert Payment.objects.count() == 0
