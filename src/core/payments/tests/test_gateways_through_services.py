"""Each real gateway end to end: our services and pages, its adapter, its local protocol server.

The payment is started through `payment_start`, the vendor's side moves on its local server,
and the vendor's message (webhook or the payer's returning browser) comes in through our
own URL exactly as the vendor sends it.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings

from core.payments.errors import GatewayUnavailable
from core.payments.models import GatewayCredential, Notification, Payment, State
from core.payments.services import payment_start, refund_create
from core.payments.tests.conftest import Shop, fulfilments, order
from core.payments.tests.servers import doku as doku_server
from core.payments.tests.servers import fac as fac_server
from core.payments.tests.servers import midtrans as midtrans_server
from core.payments.tests.servers import wipay as wipay_server

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("public_https"),
]


@pytest.fixture
def public_https():
    # FAC insists on an https return address, as production has.
    with override_settings(PUBLIC_BASE_URL="https://pay.example.test"):
        yield


def _account(gateway: str, base_url: str, **secrets: str) -> None:
    GatewayCredential.objects.create(
        tenant=None, gateway=gateway, secrets=json.dumps(secrets), base_url=base_url
    )


def test_midtrans_qris_settles_on_its_notification_and_refunds_in_part(shop: Shop):
    with midtrans_server.FakeMidtrans() as server:
        _account(
            "midtrans",
            server.origin,
            server_key=midtrans_server.SERVER_KEY,
            client_key=midtrans_server.CLIENT_KEY,
        )
        payment = payment_start(order(shop, gateway="midtrans"))
        assert payment.state == State.PENDING
        assert payment.checkout["qr_string"]
        server.set_status(payment.reference, "settlement")

        response = Client().post(
            "/payments/webhooks/midtrans/",
            data=server.notification(payment.reference),
            content_type="application/json",
        )
        refund = refund_create(
            payment=Payment.objects.get(pk=payment.pk),
            amount_minor=20_000,
            reason="Meter changed",
            actor=shop.admin,
            idempotency_key="r-1",
        )

    assert (response.status_code, response.content) == (200, b"OK")
    payment.refresh_from_db()
    assert (payment.state, payment.refunded_minor) == (State.PARTIALLY_REFUNDED, 20_000)
    assert fulfilments(payment) == 1
    assert (refund.state, refund.through_gateway) == ("succeeded", True)
    refund_call = [r for r in server.received if r.path.endswith("/refund")]
    assert len(refund_call) == 1
    assert refund_call[0].body["refund_key"] == f"{payment.reference}:r-1"


def test_midtrans_refusing_the_charge_fails_the_payment_and_charges_nothing(shop: Shop):
    with midtrans_server.FakeMidtrans() as server:
        _account(
            "midtrans",
            server.origin,
            server_key=midtrans_server.SERVER_KEY,
            client_key=midtrans_server.CLIENT_KEY,
        )
        server.fail_next(500, "Sorry, we encountered internal server error")

        with pytest.raises(GatewayUnavailable) as refused:
            payment_start(order(shop, gateway="midtrans"))

    payment = Payment.objects.get()
    assert payment.state == State.FAILED
    assert payment.gateway_status == "create:500"
    assert refused.value.extra == {"gateway": "midtrans", "retry": True}
    assert fulfilments(payment) == 0


def test_doku_settles_on_a_notification_signed_for_our_own_path(shop: Shop):
    with doku_server.DokuServer(client_id="BRN-0001-1234", secret_key="SK-abc123") as server:
        _account("doku", server.origin, client_id="BRN-0001-1234", secret_key="SK-abc123")
        payment = payment_start(order(shop, gateway="doku", method="checkout"))
        assert payment.checkout["redirect_url"].startswith(server.origin)
        server.settle(payment.reference)
        headers, body = server.notification("/payments/webhooks/doku/", invoice=payment.reference)
        forged_headers, _ = server.notification("/elsewhere/", invoice=payment.reference)

        forged = Client().post(
            "/payments/webhooks/doku/",
            data=body,
            content_type="application/json",
            headers={k: v for k, v in forged_headers.items() if k != "content-type"},
        )
        accepted = Client().post(
            "/payments/webhooks/doku/",
            data=body,
            content_type="application/json",
            headers={k: v for k, v in headers.items() if k != "content-type"},
        )

    assert (forged.status_code, accepted.status_code) == (401, 200)
    payment.refresh_from_db()
    assert payment.state == State.SETTLED
    assert fulfilments(payment) == 1


def test_wipay_result_is_verified_by_its_hash_and_applied_once(shop: Shop):
    with wipay_server.FakeWiPay() as server:
        _account(
            "wipay",
            server.origin,
            account_number=wipay_server.SANDBOX_ACCOUNT,
            api_key=wipay_server.SANDBOX_API_KEY,
        )
        payment = payment_start(
            order(
                shop,
                gateway="wipay",
                method="credit_card",
                currency="TTD",
                fee_minor=0,
                amount_minor=12_000,
            )
        )
        assert payment.checkout["total"] == "120.00"
        result = urlsplit(server.pay(payment.gateway_txn_id))
        tampered = result.query.replace("status=success", "status=success&x=1").replace(
            "hash=", "hash=0"
        )

        forged = Client().get(f"{result.path}?{tampered}")
        first = Client().get(f"{result.path}?{result.query}")
        again = Client().get(f"{result.path}?{result.query}")

    assert result.path == f"/payments/return/{payment.reference}/"
    assert [r.status_code for r in (forged, first, again)] == [302, 302, 302]
    payment.refresh_from_db()
    assert payment.state == State.SETTLED
    assert fulfilments(payment) == 1
    outcomes = sorted(Notification.objects.values_list("outcome", flat=True))
    assert outcomes == ["applied", "rejected"]


def test_fac_hosted_page_result_is_completed_server_to_server(shop: Shop):
    with fac_server.FakePowerTranz() as server:
        _account(
            "fac",
            server.api_root,
            powertranz_id=fac_server.POWERTRANZ_ID,
            powertranz_password=fac_server.POWERTRANZ_PASSWORD,
            page_set=fac_server.PAGE_SET,
            page_name=fac_server.PAGE_NAME,
        )
        payment = payment_start(
            order(
                shop, gateway="fac", method="card", currency="TTD", fee_minor=0, amount_minor=25_000
            )
        )
        form = server.hosted_page_submit(payment.checkout["spi_token"])

        first = Client().post(f"/payments/return/{payment.reference}/", form)
        refreshed = Client().post(f"/payments/return/{payment.reference}/", form)

    assert (first.status_code, refreshed.status_code) == (302, 302)
    payment.refresh_from_db()
    assert payment.state == State.SETTLED
    assert fulfilments(payment) == 1
    assert server.completions == 1
