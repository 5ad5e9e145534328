"""The Midtrans adapter against a local Midtrans (Snap and Core API) over real HTTP."""

from __future__ import annotations

import base64
import json
import socket
from datetime import datetime, timedelta

import pytest
import requests
from django.utils import timezone

from core.payments.gateways.base import (
    Ack,
    Checkout,
    CheckoutRequest,
    Credentials,
    EventStatus,
    GatewayError,
    GatewayEvent,
    GatewayMisconfigured,
    Inbound,
    InvalidNotification,
    RefundResult,
    Unsupported,
)
from core.payments.gateways.midtrans.adapter import MidtransGateway
from core.payments.gateways.midtrans.client import MidtransClient
from core.payments.gateways.registry import gateway_class
from core.payments.tests.servers.midtrans import (
    CLIENT_KEY,
    MERCHANT_ID,
    SERVER_KEY,
    WIB,
    FakeMidtrans,
    signed,
)

NOTIFY = "https://water.example.test/payments/webhooks/midtrans/"
RETURN = "https://water.example.test/topup/IW-260302-0001/done/"
AUTH = "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()


@pytest.fixture
def midtrans():
    with FakeMidtrans() as server:
        yield server


def gateway_for(server: FakeMidtrans, server_key: str = SERVER_KEY) -> MidtransGateway:
    values = {"server_key": server_key, "client_key": CLIENT_KEY}
    return MidtransGateway(Credentials("midtrans", False, values, server.origin))


def checkout_request(method: str, **overrides) -> CheckoutRequest:
    fields = {
        "reference": "IW-260302-0001",
        "amount_minor": 52500,
        "currency": "IDR",
        "method": method,
        "description": "Water top-up for meter 0012-3456-7890, Kelurahan Sukamaju",
        "return_url": RETURN,
        "notify_url": NOTIFY,
        "expires_minutes": 60,
    }
    return CheckoutRequest(**(fields | overrides))


def inbound(body: bytes) -> Inbound:
    return Inbound(
        "POST", "/payments/webhooks/midtrans/", {"content-type": "application/json"}, body
    )


def tampered(body: bytes, **changes) -> bytes:
    return json.dumps(json.loads(body) | changes).encode()


# ---- the class and its roots -----------------------------------------------------------------


def test_the_gateway_declares_what_it_supports():
    assert gateway_class("midtrans") is MidtransGateway
    assert (MidtransGateway.name, MidtransGateway.label) == ("midtrans", "Midtrans")
    assert MidtransGateway.currencies == frozenset({"IDR"})
    assert MidtransGateway.methods == (
        "snap",
        "qris",
        "va_bca",
        "va_bni",
        "va_bri",
        "va_permata",
        "echannel",
    )
    assert MidtransGateway.supports_refund is True
    assert MidtransGateway.supports_partial_refund is True
    assert MidtransGateway.secret_names == ("server_key", "client_key")


@pytest.mark.parametrize(
    ("production", "base_url", "core", "snap"),
    [
        (False, "", "https://api.sandbox.midtrans.com", "https://app.sandbox.midtrans.com/snap/v1"),
        (True, "", "https://api.midtrans.com", "https://app.midtrans.com/snap/v1"),
        (True, "http://127.0.0.1:8123/", "http://127.0.0.1:8123", "http://127.0.0.1:8123/snap/v1"),
    ],
)
def test_the_roots_follow_production_and_base_url(production, base_url, core, snap):
    client = MidtransClient("key", production=production, base_url=base_url)

    assert (client.core_url, client.snap_url) == (core, snap)


def test_credentials_without_a_server_key_are_misconfigured_before_any_call(midtrans):
    gateway = MidtransGateway(Credentials("midtrans", False, {}, midtrans.origin))

    with pytest.raises(GatewayMisconfigured):
        gateway.create(checkout_request("qris"))
    assert midtrans.received == []


# ---- create -----------------------------------------------------------------------------------


def test_snap_sends_the_transaction_and_returns_the_redirect_and_token(midtrans):
    request = checkout_request(
        "snap", payer_name="Siti Rahma", payer_email="siti@example.test", payer_phone="+628123"
    )
    before = timezone.now()

    checkout = gateway_for(midtrans).create(request)

    [received] = midtrans.received
    assert (received.method, received.path) == ("POST", "/snap/v1/transactions")
    assert received.headers["authorization"] == AUTH
    assert received.headers["accept"] == "application/json"
    assert received.headers["content-type"] == "application/json"
    assert received.headers["x-override-notification"] == NOTIFY
    assert received.body == {
        "transaction_details": {"order_id": "IW-260302-0001", "gross_amount": 52500},
        "item_details": [
            {
                "id": "IW-260302-0001",
                "price": 52500,
                "quantity": 1,
                "name": "Water top-up for meter 0012-3456-7890, Kelurahan S",
            }
        ],
        "expiry": {"unit": "minute", "duration": 60},
        "customer_details": {
            "first_name": "Siti Rahma",
            "email": "siti@example.test",
            "phone": "+628123",
        },
        "callbacks": {"finish": RETURN},
    }
    token = checkout.extra["token"]
    assert checkout == Checkout(
        redirect_url=f"https://app.sandbox.midtrans.com/snap/v2/vtweb/{token}",
        expires_at=checkout.expires_at,
        extra={"token": token},
    )
    assert len(token) == 36
    assert before + timedelta(minutes=60) <= checkout.expires_at
    assert checkout.expires_at <= timezone.now() + timedelta(minutes=60)


def test_snap_leaves_out_customer_details_nobody_gave(midtrans):
    gateway_for(midtrans).create(checkout_request("snap", return_url=""))

    [received] = midtrans.received
    assert "customer_details" not in received.body
    assert "callbacks" not in received.body


def test_qris_charges_and_returns_the_qr_string_and_expiry(midtrans):
    checkout = gateway_for(midtrans).create(checkout_request("qris", expires_minutes=15))

    [received] = midtrans.received
    assert (received.method, received.path) == ("POST", "/v2/charge")
    assert received.headers["authorization"] == AUTH
    assert received.headers["x-override-notification"] == NOTIFY
    assert received.body == {
        "transaction_details": {"order_id": "IW-260302-0001", "gross_amount": 52500},
        "custom_expiry": {"expiry_duration": 15, "unit": "minute"},
        "payment_type": "qris",
        "qris": {"acquirer": "gopay"},
    }
    booked = midtrans.book["IW-260302-0001"]
    assert checkout == Checkout(
        gateway_txn_id=booked.transaction_id,
        qr_string=booked.method_fields["qr_string"],
        expires_at=datetime(2026, 3, 2, 9, 45, 0, tzinfo=WIB),
    )
    assert checkout.qr_string.startswith("000201")


def test_qris_without_expiry_time_expires_after_the_minutes_asked(midtrans):
    midtrans.send_expiry_time = False
    before = timezone.now()

    checkout = gateway_for(midtrans).create(checkout_request("qris", expires_minutes=30))

    assert before + timedelta(minutes=30) <= checkout.expires_at
    assert checkout.expires_at <= timezone.now() + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("method", "bank"), [("va_bca", "bca"), ("va_bni", "bni"), ("va_bri", "bri")]
)
def test_a_virtual_account_comes_from_va_numbers(midtrans, method, bank):
    checkout = gateway_for(midtrans).create(checkout_request(method, expires_minutes=1440))

    [received] = midtrans.received
    assert received.body == {
        "transaction_details": {"order_id": "IW-260302-0001", "gross_amount": 52500},
        "custom_expiry": {"expiry_duration": 1440, "unit": "minute"},
        "payment_type": "bank_transfer",
        "bank_transfer": {"bank": bank},
    }
    booked = midtrans.book["IW-260302-0001"]
    [account] = booked.method_fields["va_numbers"]
    assert account["bank"] == bank
    assert checkout == Checkout(
        gateway_txn_id=booked.transaction_id,
        va_number=account["va_number"],
        va_bank=bank,
        expires_at=datetime(2026, 3, 3, 9, 30, 0, tzinfo=WIB),
    )


def test_a_permata_virtual_account_comes_from_permata_va_number(midtrans):
    checkout = gateway_for(midtrans).create(checkout_request("va_permata"))

    [received] = midtrans.received
    assert received.body["bank_transfer"] == {"bank": "permata"}
    booked = midtrans.book["IW-260302-0001"]
    assert "va_numbers" not in booked.method_fields
    assert checkout.va_number == booked.method_fields["permata_va_number"]
    assert (checkout.va_bank, checkout.gateway_txn_id) == ("permata", booked.transaction_id)
    assert checkout.expires_at == datetime(2026, 3, 2, 10, 30, 0, tzinfo=WIB)


def test_a_mandiri_bill_returns_biller_code_and_bill_key(midtrans):
    checkout = gateway_for(midtrans).create(checkout_request("echannel"))

    [received] = midtrans.received
    assert received.body == {
        "transaction_details": {"order_id": "IW-260302-0001", "gross_amount": 52500},
        "custom_expiry": {"expiry_duration": 60, "unit": "minute"},
        "payment_type": "echannel",
        "echannel": {"bill_info1": "Payment:", "bill_info2": "Water top-up for meter 0012-34"},
    }
    booked = midtrans.book["IW-260302-0001"]
    assert checkout == Checkout(
        gateway_txn_id=booked.transaction_id,
        instructions={"biller_code": "70012", "bill_key": booked.method_fields["bill_key"]},
        expires_at=datetime(2026, 3, 2, 10, 30, 0, tzinfo=WIB),
    )


def test_an_unknown_method_or_currency_is_refused_without_a_call(midtrans):
    gateway = gateway_for(midtrans)

    with pytest.raises(Unsupported):
        gateway.create(checkout_request("gopay"))
    with pytest.raises(GatewayError) as error:
        gateway.create(checkout_request("qris", currency="TTD", amount_minor=12050))

    assert error.value.code == "currency"
    assert midtrans.received == []


# ---- create: refusals -------------------------------------------------------------------------


def test_a_second_charge_with_the_same_order_id_is_refused_with_406(midtrans):
    gateway = gateway_for(midtrans)
    first = gateway.create(checkout_request("qris"))

    with pytest.raises(GatewayError) as error:
        gateway.create(checkout_request("va_bca"))

    assert (error.value.code, error.value.retry) == ("406", False)
    assert "order_id has been used" in str(error.value)
    assert midtrans.book["IW-260302-0001"].transaction_id == first.gateway_txn_id
    assert midtrans.book["IW-260302-0001"].payment_type == "qris"


def test_a_second_snap_with_the_same_order_id_is_refused_with_400(midtrans):
    gateway = gateway_for(midtrans)
    gateway.create(checkout_request("snap"))

    with pytest.raises(GatewayError) as error:
        gateway.create(checkout_request("snap"))

    assert (error.value.code, error.value.retry) == ("400", False)
    assert "has already been taken" in str(error.value)


@pytest.mark.parametrize("method", ["snap", "qris"])
def test_a_wrong_server_key_is_misconfigured_and_never_named(midtrans, method):
    with pytest.raises(GatewayMisconfigured) as error:
        gateway_for(midtrans, "SB-Mid-server-wrong").create(checkout_request(method))

    assert (error.value.code, error.value.retry) == ("401", False)
    assert "SB-Mid-server" not in str(error.value)
    assert midtrans.book == {}


@pytest.mark.parametrize("amount_minor", [0, -500])
def test_a_gross_amount_below_one_rupiah_is_a_validation_error(midtrans, amount_minor):
    with pytest.raises(GatewayError) as error:
        gateway_for(midtrans).create(checkout_request("qris", amount_minor=amount_minor))

    assert (error.value.code, error.value.retry) == ("400", False)
    assert "gross_amount must be greater than or equal to 1" in str(error.value)
    assert midtrans.book == {}


def test_an_order_id_over_50_characters_is_a_validation_error(midtrans):
    with pytest.raises(GatewayError) as error:
        gateway_for(midtrans).create(checkout_request("va_bni", reference="IW-" + "9" * 50))

    assert (error.value.code, error.value.retry) == ("400", False)


@pytest.mark.parametrize(
    ("status_code", "http_status", "retry"),
    [
        (500, 500, True),
        (503, 503, True),
        (429, 429, True),
        (500, 200, True),
        (402, 402, False),
        (410, 200, False),
    ],
)
def test_midtrans_errors_map_to_retry_or_give_up(midtrans, status_code, http_status, retry):
    midtrans.fail_next(
        status_code, "Sorry. Our system is temporarily unavailable", http_status=http_status
    )

    with pytest.raises(GatewayError) as error:
        gateway_for(midtrans).create(checkout_request("qris"))

    assert type(error.value) is GatewayError
    assert (error.value.code, error.value.retry) == (str(status_code), retry)


def test_an_error_401_in_the_body_on_http_200_is_misconfigured(midtrans):
    midtrans.fail_next(401, "Unknown Merchant server_key/id", http_status=200)

    with pytest.raises(GatewayMisconfigured) as error:
        gateway_for(midtrans).query("IW-260302-0001")

    assert error.value.code == "401"


def test_connection_refused_is_worth_retrying():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    values = {"server_key": SERVER_KEY}
    gateway = MidtransGateway(Credentials("midtrans", False, values, f"http://127.0.0.1:{port}"))

    with pytest.raises(GatewayError) as error:
        gateway.create(checkout_request("qris"))

    assert (error.value.code, error.value.retry) == ("network", True)


def test_a_charge_answer_for_another_amount_is_refused(midtrans):
    midtrans.tamper = {"gross_amount": "52600.00"}

    with pytest.raises(GatewayError) as error:
        gateway_for(midtrans).create(checkout_request("qris"))

    assert (error.value.code, error.value.retry) == ("amount_mismatch", False)


def test_a_charge_answer_with_rupiah_decimals_is_refused(midtrans):
    midtrans.tamper = {"gross_amount": "52500.50"}

    with pytest.raises(GatewayError) as error:
        gateway_for(midtrans).create(checkout_request("qris"))

    assert error.value.code == "invalid_response"


def test_a_charge_answer_for_another_order_is_refused(midtrans):
    midtrans.tamper = {"order_id": "IW-260302-9999"}

    with pytest.raises(GatewayError) as error:
        gateway_for(midtrans).create(checkout_request("va_bri"))

    assert error.value.code == "invalid_response"


# ---- notifications ----------------------------------------------------------------------------


def test_a_signed_settlement_notification_is_one_settled_event(midtrans):
    gateway = gateway_for(midtrans)
    gateway.create(checkout_request("va_bca"))
    booked = midtrans.set_status("IW-260302-0001", "settlement")
    body = midtrans.notification("IW-260302-0001")

    assert MidtransGateway.peek_reference(inbound(body)) == "IW-260302-0001"
    [event] = gateway.parse_notification(inbound(body))

    assert event == GatewayEvent(
        reference="IW-260302-0001",
        status=EventStatus.SETTLED,
        gateway_status="settlement",
        dedupe_id=f"{booked.transaction_id}:settlement:accept:200:",
        amount_minor=52500,
        currency="IDR",
        gateway_txn_id=booked.transaction_id,
        occurred_at=datetime(2026, 3, 2, 9, 35, 0, tzinfo=WIB),
        payload=json.loads(body),
    )
    assert event.payload["va_numbers"] == booked.method_fields["va_numbers"]


def test_a_tampered_notification_does_not_verify(midtrans):
    gateway = gateway_for(midtrans)
    gateway.create(checkout_request("qris"))
    midtrans.set_status("IW-260302-0001", "settlement")
    body = midtrans.notification("IW-260302-0001")

    for changed in (
        tampered(body, gross_amount="5250000.00"),
        tampered(body, order_id="IW-260302-0002"),
        tampered(body, status_code="201"),
    ):
        with pytest.raises(InvalidNotification):
            gateway.parse_notification(inbound(changed))


def test_a_notification_signed_with_another_key_does_not_verify(midtrans):
    gateway = gateway_for(midtrans)
    gateway.create(checkout_request("qris"))
    midtrans.set_status("IW-260302-0001", "settlement")
    body = midtrans.notification("IW-260302-0001", server_key="SB-Mid-server-other")

    with pytest.raises(InvalidNotification, match="signature_key does not match"):
        gateway.parse_notification(inbound(body))


def test_a_notification_without_signature_or_json_does_not_verify(midtrans):
    gateway = gateway_for(midtrans)
    gateway.create(checkout_request("qris"))
    data = json.loads(midtrans.notification("IW-260302-0001"))
    del data["signature_key"]

    with pytest.raises(InvalidNotification, match="missing"):
        gateway.parse_notification(inbound(json.dumps(data).encode()))
    with pytest.raises(InvalidNotification, match="not JSON"):
        gateway.parse_notification(inbound(b"order_id=IW-260302-0001"))
    assert MidtransGateway.peek_reference(inbound(b"order_id=IW-260302-0001")) == ""


@pytest.mark.parametrize(
    ("gross_amount", "amount_minor"),
    [("52500.00", 52500), ("52500", 52500), ("52500.0", 52500)],
)
def test_notification_amounts_keep_their_decimals_in_the_signature(gross_amount, amount_minor):
    data = {
        "order_id": "IW-260302-0001",
        "status_code": "200",
        "gross_amount": gross_amount,
        "transaction_status": "settlement",
        "transaction_id": "c1d2",
        "currency": "IDR",
    }
    data["signature_key"] = signed("IW-260302-0001", "200", gross_amount, SERVER_KEY)
    gateway = MidtransGateway(Credentials("midtrans", False, {"server_key": SERVER_KEY}))

    [event] = gateway.parse_notification(inbound(json.dumps(data).encode()))

    assert event.amount_minor == amount_minor


def test_a_signed_notification_with_rupiah_decimals_is_refused():
    data = {
        "order_id": "IW-260302-0001",
        "status_code": "200",
        "gross_amount": "52500.50",
        "transaction_status": "settlement",
    }
    data["signature_key"] = signed("IW-260302-0001", "200", "52500.50", SERVER_KEY)
    gateway = MidtransGateway(Credentials("midtrans", False, {"server_key": SERVER_KEY}))

    with pytest.raises(InvalidNotification, match="more decimals"):
        gateway.parse_notification(inbound(json.dumps(data).encode()))


@pytest.mark.parametrize(
    ("transaction_status", "fraud_status", "status", "gateway_status"),
    [
        ("pending", "accept", EventStatus.PENDING, "pending"),
        ("authorize", "accept", EventStatus.PENDING, "authorize"),
        ("capture", "accept", EventStatus.SETTLED, "capture/accept"),
        ("capture", "challenge", EventStatus.REVIEW, "capture/challenge"),
        ("capture", "deny", EventStatus.FAILED, "capture/deny"),
        ("settlement", "accept", EventStatus.SETTLED, "settlement"),
        ("deny", "accept", EventStatus.FAILED, "deny"),
        ("cancel", "accept", EventStatus.CANCELLED, "cancel"),
        ("expire", "accept", EventStatus.EXPIRED, "expire"),
        ("failure", "accept", EventStatus.FAILED, "failure"),
        ("refund", "accept", EventStatus.REFUNDED, "refund"),
        ("partial_refund", "accept", EventStatus.PARTIALLY_REFUNDED, "partial_refund"),
        ("chargeback", "accept", EventStatus.REVERSED, "chargeback"),
        ("partial_chargeback", "accept", EventStatus.REVERSED, "partial_chargeback"),
    ],
)
def test_every_midtrans_status_maps_to_one_event_status(
    midtrans, transaction_status, fraud_status, status, gateway_status
):
    gateway = gateway_for(midtrans)
    gateway.create(checkout_request("qris"))
    midtrans.set_status("IW-260302-0001", transaction_status, fraud_status=fraud_status)

    [event] = gateway.parse_notification(inbound(midtrans.notification("IW-260302-0001")))
    queried = gateway.query("IW-260302-0001")

    assert (event.status, event.gateway_status) == (status, gateway_status)
    assert (queried.status, queried.gateway_status) == (status, gateway_status)


def test_an_unknown_midtrans_status_does_not_become_an_event(midtrans):
    gateway = gateway_for(midtrans)
    gateway.create(checkout_request("qris"))
    data = json.loads(midtrans.notification("IW-260302-0001"))
    data |= {"transaction_status": "on_hold"}

    with pytest.raises(InvalidNotification, match="Unknown Midtrans status"):
        gateway.parse_notification(inbound(json.dumps(data).encode()))


def test_ack_is_200_ok_or_401(midtrans):
    gateway = gateway_for(midtrans)

    assert gateway.ack(True) == Ack(200, b"OK", "text/plain")
    assert gateway.ack(False).status == 401


# ---- query ------------------------------------------------------------------------------------


def test_query_reads_the_status_by_order_id(midtrans):
    gateway = gateway_for(midtrans)
    checkout = gateway.create(checkout_request("qris"))
    midtrans.set_status("IW-260302-0001", "settlement")

    event = gateway.query("IW-260302-0001", checkout.gateway_txn_id)

    request = midtrans.received[-1]
    assert (request.method, request.path, request.body) == (
        "GET",
        "/v2/IW-260302-0001/status",
        None,
    )
    assert request.headers["authorization"] == AUTH
    assert request.headers["accept"] == "application/json"
    assert event == GatewayEvent(
        reference="IW-260302-0001",
        status=EventStatus.SETTLED,
        gateway_status="settlement",
        dedupe_id=f"inquiry:{checkout.gateway_txn_id}:settlement:accept:200:",
        amount_minor=52500,
        currency="IDR",
        gateway_txn_id=checkout.gateway_txn_id,
        occurred_at=datetime(2026, 3, 2, 9, 35, 0, tzinfo=WIB),
        payload=midtrans.book["IW-260302-0001"].answer(),
    )


def test_query_of_an_expired_transaction_is_an_event_not_an_error(midtrans):
    gateway = gateway_for(midtrans)
    gateway.create(checkout_request("va_bni"))
    midtrans.set_status("IW-260302-0001", "expire")

    event = gateway.query("IW-260302-0001")

    assert (event.status, event.payload["status_code"]) == (EventStatus.EXPIRED, "407")


def test_query_of_an_unknown_order_is_404(midtrans):
    with pytest.raises(GatewayError) as error:
        gateway_for(midtrans).query("IW-260302-0404")

    assert (error.value.code, error.value.retry) == ("404", False)
    assert "Transaction doesn't exist." in str(error.value)


def test_query_of_a_snap_order_before_the_payer_chose_is_404_then_found(midtrans):
    gateway = gateway_for(midtrans)
    gateway.create(checkout_request("snap"))

    with pytest.raises(GatewayError) as error:
        gateway.query("IW-260302-0001")
    midtrans.set_status("IW-260302-0001", "settlement", payment_type="qris")
    event = gateway.query("IW-260302-0001")

    assert error.value.code == "404"
    assert (event.status, event.payload["payment_type"]) == (EventStatus.SETTLED, "qris")


def test_query_uses_the_transaction_id_when_the_order_id_has_other_characters(midtrans):
    gateway = gateway_for(midtrans)
    checkout = gateway.create(checkout_request("qris", reference="IW#260302/1"))

    event = gateway.query("IW#260302/1", checkout.gateway_txn_id)

    assert midtrans.received[-1].path == f"/v2/{checkout.gateway_txn_id}/status"
    assert (event.reference, event.status) == ("IW#260302/1", EventStatus.PENDING)
    with pytest.raises(GatewayError) as error:
        gateway.query("IW#260302/1")
    assert error.value.code == "reference"


def test_query_refuses_an_answer_about_another_order(midtrans):
    gateway = gateway_for(midtrans)
    gateway.create(checkout_request("qris"))
    midtrans.tamper = {"order_id": "IW-260302-0002"}

    with pytest.raises(GatewayError) as error:
        gateway.query("IW-260302-0001")

    assert error.value.code == "order_mismatch"


# ---- refund -----------------------------------------------------------------------------------


def refund(gateway: MidtransGateway, checkout: Checkout, amount_minor: int, key: str):
    return gateway.refund(
        reference="IW-260302-0001",
        gateway_txn_id=checkout.gateway_txn_id,
        amount_minor=amount_minor,
        currency="IDR",
        reason="Meter out of service",
        refund_key=key,
    )


def test_a_full_refund_succeeds_and_the_status_says_refund(midtrans):
    gateway = gateway_for(midtrans)
    checkout = gateway.create(checkout_request("qris"))
    midtrans.set_status("IW-260302-0001", "settlement")

    result = refund(gateway, checkout, 52500, "IW-260302-0001-R1")

    request = midtrans.received[-1]
    assert (request.method, request.path) == ("POST", "/v2/IW-260302-0001/refund")
    assert request.headers["content-type"] == "application/json"
    assert request.body == {
        "refund_key": "IW-260302-0001-R1",
        "amount": 52500,
        "reason": "Meter out of service",
    }
    assert result == RefundResult(refund_id="1", status="succeeded", payload=result.payload)
    assert result.payload["transaction_status"] == "refund"
    event = gateway.query("IW-260302-0001")
    assert (event.status, event.refunded_minor) == (EventStatus.REFUNDED, 52500)


def test_partial_refunds_add_up_to_a_full_refund(midtrans):
    gateway = gateway_for(midtrans)
    checkout = gateway.create(checkout_request("qris"))
    midtrans.set_status("IW-260302-0001", "settlement")

    first = refund(gateway, checkout, 20000, "IW-260302-0001-R1")
    after_first = gateway.query("IW-260302-0001")
    second = refund(gateway, checkout, 32500, "IW-260302-0001-R2")
    after_second = gateway.query("IW-260302-0001")

    assert (first.refund_id, first.status) == ("1", "succeeded")
    assert (second.refund_id, second.status) == ("2", "succeeded")
    assert (after_first.status, after_first.refunded_minor) == (
        EventStatus.PARTIALLY_REFUNDED,
        20000,
    )
    assert (after_second.status, after_second.refunded_minor) == (EventStatus.REFUNDED, 52500)
    assert after_first.dedupe_id != after_second.dedupe_id


def test_a_refund_retried_with_the_same_key_refunds_once(midtrans):
    gateway = gateway_for(midtrans)
    checkout = gateway.create(checkout_request("qris"))
    midtrans.set_status("IW-260302-0001", "settlement")

    first = refund(gateway, checkout, 20000, "IW-260302-0001-R1")
    again = refund(gateway, checkout, 20000, "IW-260302-0001-R1")

    assert first.refund_id == again.refund_id == "1"
    assert midtrans.book["IW-260302-0001"].refunded == 20000


def test_a_refund_over_what_is_left_is_a_validation_error(midtrans):
    gateway = gateway_for(midtrans)
    checkout = gateway.create(checkout_request("qris"))
    midtrans.set_status("IW-260302-0001", "settlement")
    refund(gateway, checkout, 50000, "IW-260302-0001-R1")

    with pytest.raises(GatewayError) as error:
        refund(gateway, checkout, 2501, "IW-260302-0001-R2")

    assert (error.value.code, error.value.retry) == ("400", False)
    assert midtrans.book["IW-260302-0001"].refunded == 50000


def test_a_refund_before_settlement_is_412(midtrans):
    gateway = gateway_for(midtrans)
    checkout = gateway.create(checkout_request("qris"))

    with pytest.raises(GatewayError) as error:
        refund(gateway, checkout, 52500, "IW-260302-0001-R1")

    assert (error.value.code, error.value.retry) == ("412", False)
    assert "cannot modify" in str(error.value)
    assert midtrans.book["IW-260302-0001"].transaction_status == "pending"


def test_a_refund_of_a_virtual_account_payment_is_412(midtrans):
    gateway = gateway_for(midtrans)
    checkout = gateway.create(checkout_request("va_bca"))
    midtrans.set_status("IW-260302-0001", "settlement")

    with pytest.raises(GatewayError) as error:
        refund(gateway, checkout, 52500, "IW-260302-0001-R1")

    assert error.value.code == "412"
    assert midtrans.book["IW-260302-0001"].refunds == []


def test_a_412_in_the_body_on_http_200_is_refused_too(midtrans):
    gateway = gateway_for(midtrans)
    checkout = gateway.create(checkout_request("qris"))
    midtrans.fail_next(412, "Merchant cannot modify the status of the transaction", http_status=200)

    with pytest.raises(GatewayError) as error:
        refund(gateway, checkout, 52500, "IW-260302-0001-R1")

    assert (error.value.code, error.value.retry) == ("412", False)


def test_a_refund_in_another_currency_is_refused_without_a_call(midtrans):
    gateway = gateway_for(midtrans)

    with pytest.raises(GatewayError) as error:
        gateway.refund(
            reference="IW-260302-0001",
            gateway_txn_id="",
            amount_minor=1050,
            currency="TTD",
            reason="",
            refund_key="R1",
        )

    assert error.value.code == "currency"
    assert midtrans.received == []


# ---- cancel (client) and what the local server refuses ---------------------------------------


def test_cancel_voids_a_pending_charge_and_not_a_settled_one(midtrans):
    gateway = gateway_for(midtrans)
    gateway.create(checkout_request("qris"))
    client = MidtransClient(SERVER_KEY, production=False, base_url=midtrans.origin)

    answer = client.cancel("IW-260302-0001")

    assert (answer["status_code"], answer["transaction_status"]) == ("200", "cancel")
    assert gateway.query("IW-260302-0001").status == EventStatus.CANCELLED
    with pytest.raises(GatewayError) as error:
        client.cancel("IW-260302-0001")
    assert error.value.code == "412"


def post(midtrans: FakeMidtrans, path: str, body: bytes, **headers: str) -> requests.Response:
    base = {"Authorization": AUTH, "Accept": "application/json", "Content-Type": "application/json"}
    return requests.post(midtrans.origin + path, data=body, headers=base | headers, timeout=5)


def test_the_server_refuses_what_midtrans_refuses(midtrans):
    charge = json.dumps(
        {
            "payment_type": "qris",
            "transaction_details": {"order_id": "IW-1", "gross_amount": 10000},
        }
    ).encode()
    without_auth = requests.post(
        midtrans.origin + "/v2/charge",
        data=charge,
        headers={"Accept": "application/json", "Content-Type": "application/json"},
        timeout=5,
    )
    with_a_password = post(
        midtrans,
        "/v2/charge",
        charge,
        Authorization="Basic " + base64.b64encode(f"{SERVER_KEY}:x".encode()).decode(),
    )
    as_a_form = post(midtrans, "/v2/charge", charge, **{"Content-Type": "text/plain"})
    wants_html = post(midtrans, "/v2/charge", charge, Accept="text/html")
    string_amount = post(midtrans, "/v2/charge", charge.replace(b"10000", b'"10000"'))
    wrong_method = requests.get(midtrans.origin + "/v2/charge", timeout=5)
    unknown_path = post(midtrans, "/v2/capture-all", charge)

    assert (without_auth.status_code, without_auth.json()["status_code"]) == (401, "401")
    assert with_a_password.status_code == 401
    assert (as_a_form.status_code, as_a_form.json()["status_code"]) == (413, "413")
    assert (wants_html.status_code, wants_html.json()["status_code"]) == (403, "403")
    assert string_amount.json()["validation_messages"] == [
        "transaction_details.gross_amount must be an integer"
    ]
    assert wrong_method.status_code == 405
    assert unknown_path.status_code == 404
    assert midtrans.book == {}


def test_the_snap_server_checks_the_items_add_up(midtrans):
    body = {
        "transaction_details": {"order_id": "IW-1", "gross_amount": 10000},
        "item_details": [{"id": "a", "price": 9000, "quantity": 1, "name": "Water"}],
    }

    answer = post(midtrans, "/snap/v1/transactions", json.dumps(body).encode())

    assert answer.status_code == 400
    assert answer.json() == {
        "error_messages": [
            "transaction_details.gross_amount is not equal to the sum of item_details"
        ]
    }


def test_the_charge_answer_has_the_documented_fields(midtrans):
    gateway_for(midtrans).create(checkout_request("qris"))
    body = json.dumps(
        {
            "payment_type": "qris",
            "transaction_details": {"order_id": "IW-2", "gross_amount": 789000},
            "qris": {"acquirer": "gopay"},
        }
    ).encode()

    answer = post(midtrans, "/v2/charge", body).json()

    assert answer["status_code"] == "201"
    assert answer["status_message"] == "QRIS transaction is created"
    assert answer["gross_amount"] == "789000.00"
    assert (answer["merchant_id"], answer["currency"]) == (MERCHANT_ID, "IDR")
    assert (answer["transaction_status"], answer["fraud_status"]) == ("pending", "accept")
    assert answer["transaction_time"] == "2026-03-02 09:30:00"
    assert answer["expiry_time"] == "2026-03-02 09:45:00"
    assert answer["actions"][0]["name"] == "generate-qr-code"
