"""The WiPay adapter against a local WiPay Payments API (v1.0.8)."""

from __future__ import annotations

import re
import socket
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from core.payments.gateways.base import (
    Checkout,
    CheckoutRequest,
    Credentials,
    EventStatus,
    GatewayError,
    GatewayEvent,
    GatewayMisconfigured,
    Inbound,
    InvalidNotification,
    Unsupported,
)
from core.payments.gateways.registry import gateway_class
from core.payments.gateways.wipay.adapter import WiPayGateway
from core.payments.tests.servers.wipay import SANDBOX_ACCOUNT, SANDBOX_API_KEY, FakeWiPay, md5_hash

RETURN_URL = "https://platform.example.test/payments/return/wipay/"
LIVE_ACCOUNT, LIVE_KEY = "4455667788", "6bw2lj079aau"


@pytest.fixture
def wipay():
    with FakeWiPay(live_accounts={LIVE_ACCOUNT: LIVE_KEY}) as server:
        yield server


def gateway(server, *, production=False, **values) -> WiPayGateway:
    secrets = {"account_number": SANDBOX_ACCOUNT, "api_key": SANDBOX_API_KEY, **values}
    return WiPayGateway(Credentials("wipay", production, secrets, server.origin))


def checkout_request(**overrides) -> CheckoutRequest:
    fields = {
        "reference": "RS-261122-0001",
        "amount_minor": 12000,
        "currency": "TTD",
        "method": "credit_card",
        "description": "Towing, Port of Spain",
        "return_url": RETURN_URL,
        "notify_url": "https://platform.example.test/payments/webhooks/wipay/",
        **overrides,
    }
    return CheckoutRequest(**fields)


def returning(url: str, original_total: str = "120.00") -> Inbound:
    """The browser GET to response_url, as the view hands it over."""
    parts = urlsplit(url)
    return Inbound(
        method="GET",
        path=parts.path,
        headers={},
        query=dict(parse_qsl(parts.query, keep_blank_values=True)),
        form={"original_total": original_total},
    )


def test_the_registry_finds_the_adapter():
    assert gateway_class("wipay") is WiPayGateway
    assert WiPayGateway.currencies == frozenset({"TTD", "USD"})
    assert WiPayGateway.methods == ("credit_card",)
    assert WiPayGateway.secret_names == ("account_number", "api_key")
    assert (WiPayGateway.supports_refund, WiPayGateway.supports_query) == (False, False)


def test_the_root_is_tt_unless_overridden():
    creds = Credentials("wipay", True, {"account_number": LIVE_ACCOUNT, "api_key": LIVE_KEY})

    assert WiPayGateway(creds).root == "https://tt.wipayfinancial.com"


def test_create_posts_the_documented_form_and_returns_the_hosted_page(wipay):
    checkout = gateway(wipay).create(checkout_request())

    [received] = wipay.received
    assert received.path == "/plugins/payments/request"
    assert received.content_type == "application/x-www-form-urlencoded"
    assert received.accept == "application/json"
    assert received.form == {
        "account_number": "1234567890",
        "country_code": "TT",
        "currency": "TTD",
        "environment": "sandbox",
        "fee_structure": "merchant_absorb",
        "method": "credit_card",
        "order_id": "RS-261122-0001",
        "origin": "RoadSidePlus",
        "response_url": RETURN_URL,
        "total": "120.00",
    }
    txn = wipay.orders["RS-261122-0001"].transaction_id
    assert re.fullmatch(r"SB-\d{1,2}-1-RS-261122-0001-20261122143005", txn)
    assert checkout == Checkout(
        gateway_txn_id=txn,
        redirect_url=f"{wipay.origin}/plugins/payments/hosted/{txn}",
        extra={"total": "120.00"},
    )
    assert checkout.as_dict()["total"] == "120.00"


def test_create_sends_payer_details_and_the_configured_options(wipay):
    adapter = gateway(wipay, country_code="TT", fee_structure="customer_pay", origin="RSPlus-tt")

    adapter.create(
        checkout_request(
            payer_email="asha@example.tt", payer_name="Asha Ramdial", payer_phone="+18687771234"
        )
    )

    form = wipay.received[0].form
    assert (form["fee_structure"], form["origin"]) == ("customer_pay", "RSPlus-tt")
    assert (form["email"], form["name"], form["phone"]) == (
        "asha@example.tt",
        "Asha Ramdial",
        "+18687771234",
    )


def test_production_uses_the_live_environment_and_account(wipay):
    adapter = gateway(wipay, production=True, account_number=LIVE_ACCOUNT, api_key=LIVE_KEY)

    checkout = adapter.create(checkout_request())

    assert wipay.received[0].form["environment"] == "live"
    assert re.fullmatch(r"\d{1,2}-1-RS-261122-0001-\d{14}", checkout.gateway_txn_id)


@pytest.mark.parametrize(
    ("amount_minor", "currency", "total"),
    [
        (12050, "TTD", "120.50"),
        (680, "TTD", "6.80"),
        (100, "USD", "1.00"),
        (1234567, "USD", "12345.67"),
    ],
)
def test_amounts_are_sent_with_two_decimals(wipay, amount_minor, currency, total):
    checkout = gateway(wipay).create(checkout_request(amount_minor=amount_minor, currency=currency))

    assert wipay.received[0].form["total"] == total
    assert checkout.extra == {"total": total}


def test_a_currency_wipay_cannot_take_is_refused_before_any_request(wipay):
    with pytest.raises(GatewayError) as error:
        gateway(wipay).create(checkout_request(currency="IDR", amount_minor=50000))

    assert (error.value.code, error.value.retry) == ("currency", False)
    assert wipay.received == []


def test_a_reused_order_id_is_refused_by_wipay(wipay):
    adapter = gateway(wipay)
    adapter.create(checkout_request())

    with pytest.raises(GatewayError) as error:
        adapter.create(checkout_request())

    assert (error.value.code, error.value.retry) == ("400", False)
    assert str(error.value) == "WiPay 400: The order id has already been used."
    assert len(wipay.orders) == 1


def test_a_total_below_one_us_dollar_is_refused(wipay):
    with pytest.raises(GatewayError) as error:
        gateway(wipay).create(checkout_request(amount_minor=679))

    assert (error.value.code, error.value.retry) == ("400", False)
    assert str(error.value) == "WiPay 400: The total must be at least 6.80 TTD."
    assert wipay.orders == {}


def test_an_order_id_wipay_cannot_take_is_refused(wipay):
    with pytest.raises(GatewayError) as error:
        gateway(wipay).create(checkout_request(reference="RS-0001-"))

    assert str(error.value) == "WiPay 400: The order id format is invalid."


def test_the_sandbox_needs_the_sandbox_account(wipay):
    with pytest.raises(GatewayError) as error:
        gateway(wipay, account_number=LIVE_ACCOUNT).create(checkout_request())

    assert str(error.value) == "WiPay 400: Sandbox requests must use account number 1234567890."
    assert not isinstance(error.value, GatewayMisconfigured)


def test_an_unknown_live_account_is_misconfigured(wipay):
    adapter = gateway(wipay, production=True, account_number="9999999999")

    with pytest.raises(GatewayMisconfigured) as error:
        adapter.create(checkout_request())

    assert (error.value.code, error.value.retry) == ("401", False)
    assert "9999999999" not in str(error.value)
    assert wipay.orders == {}


def test_missing_credentials_are_misconfigured(wipay):
    adapter = WiPayGateway(Credentials("wipay", False, {"api_key": "123"}, wipay.origin))

    with pytest.raises(GatewayMisconfigured):
        adapter.create(checkout_request())
    assert wipay.received == []


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_and_throttling_are_retryable(wipay, status):
    wipay.outage = status

    with pytest.raises(GatewayError) as error:
        gateway(wipay).create(checkout_request())

    assert (error.value.code, error.value.retry) == (str(status), True)


def test_connection_refused_is_retryable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    secrets = {"account_number": SANDBOX_ACCOUNT, "api_key": "123"}
    adapter = WiPayGateway(Credentials("wipay", False, secrets, f"http://127.0.0.1:{port}"))

    with pytest.raises(GatewayError) as error:
        adapter.create(checkout_request())

    assert (error.value.code, error.value.retry) == ("network", True)


def test_the_local_server_refuses_a_body_that_is_not_form_encoded(wipay):
    response = requests.post(
        wipay.origin + "/plugins/payments/request",
        json={"account_number": SANDBOX_ACCOUNT},
        headers={"Accept": "application/json"},
        timeout=5,
    )

    assert response.status_code == 400
    assert response.json()["message"] == "The body must be form-encoded."


def test_a_success_return_with_a_good_hash_settles_the_amount_we_asked_for(wipay):
    adapter = gateway(wipay)
    checkout = adapter.create(checkout_request())
    url = wipay.pay(checkout.gateway_txn_id)

    event = adapter.parse_return(returning(url))

    txn = checkout.gateway_txn_id
    assert url.startswith(RETURN_URL + "?")
    assert event == GatewayEvent(
        reference="RS-261122-0001",
        status=EventStatus.SETTLED,
        gateway_status="success [1-R1]: Transaction is approved.",
        dedupe_id=f"wipay:{txn}:success",
        amount_minor=12000,
        currency="TTD",
        gateway_txn_id=txn,
        payload={
            "card": "XXXXXXXXXXXX1111",
            "currency": "TTD",
            "date": "2026-11-22 14:30:05",
            "hash": returning(url).query["hash"],
            "message": "[1-R1]: Transaction is approved.",
            "order_id": "RS-261122-0001",
            "status": "success",
            "total": "120.00",
            "transaction_id": txn,
            "original_total": "120.00",
        },
    )


def test_a_customer_paid_fee_does_not_change_the_amount_or_the_hash(wipay):
    adapter = gateway(wipay, fee_structure="customer_pay")
    checkout = adapter.create(checkout_request())
    inbound = returning(wipay.pay(checkout.gateway_txn_id))

    event = adapter.parse_return(inbound)

    # 120.00 + 3.5 % + US$0.25 at 6.80
    assert inbound.query["total"] == "125.90"
    assert (event.status, event.amount_minor) == (EventStatus.SETTLED, 12000)


def test_the_documented_example_verifies():
    # WiPay API v1.0.8, "Transaction Response" example: 10.00 USD sent, 12.05 returned.
    query = {
        "card": "XXXXXXXXXXXX1111",
        "currency": "USD",
        "date": "2021-06-16 02:41:52",
        "hash": "3d34d20260f7433ceee277e9ed9166a3",
        "message": "[1-R1]: Transaction is approved.",
        "order_id": "oid_123-aBc",
        "status": "success",
        "total": "12.05",
        "transaction_id": "SB-12-1-oid_123-aBc-20210616024001",
    }
    adapter = WiPayGateway(
        Credentials("wipay", False, {"account_number": "1234567890", "api_key": "123"})
    )

    event = adapter.verify_result(query, "10.00")

    assert (event.reference, event.status, event.amount_minor, event.currency) == (
        "oid_123-aBc",
        EventStatus.SETTLED,
        1000,
        "USD",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hash", "0" * 32),
        ("transaction_id", "SB-13-1-RS-261122-0001-20261122143005"),
        ("order_id", "RS-261122-0002"),
        ("status", "pending"),
    ],
)
def test_a_tampered_return_is_refused(wipay, field, value):
    adapter = gateway(wipay)
    checkout = adapter.create(checkout_request())
    inbound = returning(wipay.pay(checkout.gateway_txn_id))
    tampered = Inbound(
        "GET", inbound.path, {}, query={**inbound.query, field: value}, form=inbound.form
    )

    with pytest.raises(InvalidNotification):
        adapter.parse_return(tampered)


def test_a_replay_on_another_order_with_the_same_total_is_refused(wipay):
    adapter = gateway(wipay)
    paid = adapter.create(checkout_request())
    adapter.create(checkout_request(reference="RS-261122-0002"))
    inbound = returning(wipay.pay(paid.gateway_txn_id))
    replay = {**inbound.query, "order_id": "RS-261122-0002"}

    with pytest.raises(InvalidNotification, match="not issued for this order_id"):
        adapter.verify_result(replay, "120.00")


def test_a_wrong_api_key_does_not_verify(wipay):
    checkout = gateway(wipay).create(checkout_request())
    inbound = returning(wipay.pay(checkout.gateway_txn_id))

    with pytest.raises(InvalidNotification, match="hash does not match"):
        gateway(wipay, api_key="124").parse_return(inbound)


def test_a_success_without_a_hash_is_refused(wipay):
    adapter = gateway(wipay)
    checkout = adapter.create(checkout_request())
    inbound = returning(wipay.pay(checkout.gateway_txn_id))
    query = {k: v for k, v in inbound.query.items() if k != "hash"}

    with pytest.raises(InvalidNotification):
        adapter.verify_result(query, "120.00")


@pytest.mark.parametrize("original_total", ["", "120", "125.90", "120.0"])
def test_only_the_total_exactly_as_sent_verifies(wipay, original_total):
    adapter = gateway(wipay, fee_structure="customer_pay")
    checkout = adapter.create(checkout_request())
    inbound = returning(wipay.pay(checkout.gateway_txn_id), original_total=original_total)

    with pytest.raises(InvalidNotification):
        adapter.parse_return(inbound)


def test_a_stored_total_with_more_decimals_than_the_currency_is_refused(wipay):
    # A hash can be valid over any string; the amount must still be whole cents.
    adapter = gateway(wipay)
    query = {
        "currency": "TTD",
        "order_id": "RS-1",
        "status": "success",
        "transaction_id": "SB-5-1-RS-1-20261122143005",
        "hash": md5_hash("SB-5-1-RS-1-20261122143005", "120.005", "123"),
    }

    with pytest.raises(InvalidNotification, match="more decimals"):
        adapter.verify_result(query, "120.005")


def test_a_declined_card_fails_without_a_hash(wipay):
    adapter = gateway(wipay)
    checkout = adapter.create(checkout_request())
    inbound = returning(wipay.pay(checkout.gateway_txn_id, card="4111111111113333"))

    event = adapter.parse_return(inbound)

    txn = checkout.gateway_txn_id
    assert "hash" not in inbound.query
    assert (event.status, event.amount_minor, event.dedupe_id, event.gateway_txn_id) == (
        EventStatus.FAILED,
        None,
        f"wipay:{txn}:failed",
        txn,
    )
    assert event.gateway_status == (
        "failed [2-R2]: Transaction is declined (original response code 05)."
    )


@pytest.mark.parametrize(
    ("outcome", "status", "amount"),
    [
        ("approve", EventStatus.SETTLED, 12000),
        ("4111111111113333", EventStatus.FAILED, None),
        ("5555666666662222", EventStatus.FAILED, None),
        ("error", EventStatus.FAILED, None),
    ],
)
def test_every_wipay_status_maps(wipay, outcome, status, amount):
    adapter = gateway(wipay)
    checkout = adapter.create(checkout_request())
    txn = checkout.gateway_txn_id
    if outcome == "approve":
        url = wipay.pay(txn)
    elif outcome == "error":
        url = wipay.error(txn)
    else:
        url = wipay.pay(txn, card=outcome)

    event = adapter.parse_return(returning(url))

    assert (event.status, event.amount_minor) == (status, amount)
    assert event.dedupe_id == f"wipay:{txn}:{returning(url).query['status']}"


def test_an_unknown_status_is_refused():
    adapter = WiPayGateway(Credentials("wipay", False, {"account_number": "1", "api_key": "123"}))
    query = {
        "status": "pending",
        "order_id": "RS-1",
        "transaction_id": "SB-1-1-RS-1-20261122143005",
    }

    with pytest.raises(InvalidNotification, match="Unknown WiPay status"):
        adapter.verify_result(query, "120.00")


def test_the_reference_is_peeked_from_the_query():
    inbound = Inbound("GET", "/payments/return/wipay/", {}, query={"order_id": "RS-261122-0001"})

    assert WiPayGateway.peek_reference(inbound) == "RS-261122-0001"
    assert WiPayGateway.peek_reference(Inbound("GET", "/", {})) == ""


def test_there_is_no_refund_or_status_api(wipay):
    adapter = gateway(wipay)

    with pytest.raises(Unsupported):
        adapter.query("RS-261122-0001")
    with pytest.raises(Unsupported):
        adapter.refund(
            reference="RS-261122-0001",
            gateway_txn_id="SB-1-1-RS-261122-0001-20261122143005",
            amount_minor=12000,
            currency="TTD",
            reason="cancelled",
            refund_key="rf-1",
        )
    assert wipay.received == []
