"""DOKU Checkout adapter against a local DOKU speaking the Non-SNAP protocol over TCP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.payments.gateways.base import (
    Ack,
    CheckoutRequest,
    Credentials,
    EventStatus,
    GatewayError,
    GatewayMisconfigured,
    Inbound,
    InvalidNotification,
    Unsupported,
)
from core.payments.gateways.doku.adapter import DokuGateway
from core.payments.gateways.doku.client import DokuClient
from core.payments.tests.servers.doku import DokuServer

CLIENT_ID = "BRN-0201-1700000000001"
SECRET = "SK-test-doku-secret-0001"
NOTIFY_PATH = "/payments/webhooks/doku/"
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
WIB = ZoneInfo("Asia/Jakarta")
FIXED_NOW = datetime(2026, 3, 2, 1, 30, 0, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[DokuServer]:
    with DokuServer(client_id=CLIENT_ID, secret_key=SECRET) as running:
        running.now = FIXED_NOW
        yield running


def _gateway(server: DokuServer, secret: str = SECRET, client_id: str = CLIENT_ID) -> DokuGateway:
    values = {"client_id": client_id, "secret_key": secret}
    return DokuGateway(Credentials("doku", False, values, base_url=server.origin))


def _request(**changes: Any) -> CheckoutRequest:
    fields: dict[str, Any] = {
        "reference": "IW-260302-0001",
        "amount_minor": 150000,
        "currency": "IDR",
        "method": "checkout",
        "description": "Water top-up 15 m3",
        "return_url": "https://water.example.id/pay/return/IW-260302-0001",
        "notify_url": "https://water.example.id/payments/webhooks/doku/",
        **changes,
    }
    return CheckoutRequest(**fields)


def _inbound(headers: dict[str, str], body: bytes, path: str = NOTIFY_PATH) -> Inbound:
    return Inbound(method="POST", path=path, headers=headers, body=body)


def _signature(components: str, secret: str = SECRET) -> str:
    mac = hmac.new(secret.encode(), components.encode(), hashlib.sha256).digest()
    return "HMACSHA256=" + base64.b64encode(mac).decode()


# create


def test_create_checkout_sends_the_signed_request_doku_expects(server: DokuServer) -> None:
    checkout = _gateway(server).create(_request())

    [seen] = server.received
    headers = seen["headers"]
    assert seen["method"] == "POST"
    assert seen["path"] == "/checkout/v1/payment"
    assert headers["client-id"] == CLIENT_ID
    assert UUID4.match(headers["request-id"])
    assert STAMP.match(headers["request-timestamp"])
    assert headers["content-type"] == "application/json"
    digest = base64.b64encode(hashlib.sha256(seen["body"]).digest()).decode()
    components = (
        f"Client-Id:{CLIENT_ID}\nRequest-Id:{headers['request-id']}\n"
        f"Request-Timestamp:{headers['request-timestamp']}\n"
        f"Request-Target:/checkout/v1/payment\nDigest:{digest}"
    )
    assert headers["signature"] == _signature(components)
    assert json.loads(seen["body"]) == {
        "order": {
            "amount": 150000,
            "invoice_number": "IW-260302-0001",
            "currency": "IDR",
            "callback_url": "https://water.example.id/pay/return/IW-260302-0001",
            "line_items": [{"name": "Water top-up 15 m3", "price": 150000, "quantity": 1}],
        },
        "payment": {"payment_due_date": 60},
    }
    answer = json.loads(server.request_ids[headers["request-id"]][1])
    token = answer["response"]["payment"]["token_id"]
    assert checkout.redirect_url == f"{server.origin}/checkout/link/{token}"
    assert checkout.gateway_txn_id == headers["request-id"]
    assert checkout.extra == {"request_id": headers["request-id"], "token_id": token}
    # 01:30 UTC + 60 min = 09:30 WIB, answered as "20260302093000".
    assert checkout.expires_at == datetime(2026, 3, 2, 9, 30, 0, tzinfo=WIB)
    assert checkout.expires_at == datetime(2026, 3, 2, 2, 30, 0, tzinfo=UTC)
    assert checkout.status == EventStatus.PENDING
    assert checkout.qr_string == ""
    assert checkout.va_number == ""


@pytest.mark.parametrize(
    ("method", "types"),
    [
        ("va_bca", ["VIRTUAL_ACCOUNT_BCA"]),
        ("va_mandiri", ["VIRTUAL_ACCOUNT_BANK_MANDIRI"]),
        ("va_bri", ["VIRTUAL_ACCOUNT_BRI"]),
        ("va_bni", ["VIRTUAL_ACCOUNT_BNI"]),
        ("va_permata", ["VIRTUAL_ACCOUNT_BANK_PERMATA"]),
        ("qris", ["QRIS"]),
    ],
)
def test_create_limits_the_page_to_the_chosen_method(
    server: DokuServer, method: str, types: list[str]
) -> None:
    checkout = _gateway(server).create(_request(method=method, expires_minutes=30))

    [seen] = server.received
    assert json.loads(seen["body"])["payment"] == {
        "payment_due_date": 30,
        "payment_method_types": types,
    }
    assert checkout.redirect_url.startswith(f"{server.origin}/checkout/link/tok")
    assert checkout.expires_at == datetime(2026, 3, 2, 2, 0, 0, tzinfo=UTC)


def test_create_lists_every_method() -> None:
    assert DokuGateway.methods == (
        "checkout",
        "va_bca",
        "va_mandiri",
        "va_bri",
        "va_bni",
        "va_permata",
        "qris",
    )
    assert DokuGateway.currencies == frozenset({"IDR"})
    assert DokuGateway.secret_names == ("client_id", "secret_key")
    assert DokuGateway.supports_refund is False
    assert DokuGateway.supports_query is True


def test_create_sends_the_customer_fields_given(server: DokuServer) -> None:
    _gateway(server).create(_request(payer_name="Siti Aminah", payer_phone="+6281234567890"))

    body = json.loads(server.received[0]["body"])
    assert body["customer"] == {"name": "Siti Aminah", "phone": "+6281234567890"}


def test_create_sends_the_exact_bytes_it_signed_with_non_ascii_text(server: DokuServer) -> None:
    checkout = _gateway(server).create(_request(description="Air bersih — 15 m³"))

    body = server.received[0]["body"]
    assert "Air bersih — 15 m³".encode() in body
    assert checkout.redirect_url.startswith(server.origin)


def test_create_falls_back_to_the_due_minutes_when_expired_date_is_unreadable(
    server: DokuServer,
) -> None:
    server.expired_date = "soon"
    before = datetime.now(UTC)

    checkout = _gateway(server).create(_request(expires_minutes=45))

    assert checkout.expires_at is not None
    assert before + timedelta(minutes=45) <= checkout.expires_at
    assert checkout.expires_at <= datetime.now(UTC) + timedelta(minutes=45)


def test_create_refuses_another_currency_without_calling_doku(server: DokuServer) -> None:
    with pytest.raises(GatewayError) as raised:
        _gateway(server).create(_request(currency="TTD", amount_minor=12050))

    assert raised.value.code == "currency"
    assert raised.value.retry is False
    assert server.received == []


def test_create_refuses_an_unknown_method_without_calling_doku(server: DokuServer) -> None:
    with pytest.raises(GatewayError) as raised:
        _gateway(server).create(_request(method="va_cimb"))

    assert raised.value.code == "method"
    assert server.received == []


def test_create_refuses_an_answer_signed_with_another_key(server: DokuServer) -> None:
    server.response_secret = "SK-someone-else"

    with pytest.raises(GatewayError) as raised:
        _gateway(server).create(_request())

    assert raised.value.code == "invalid_response_signature"
    assert raised.value.retry is False


# error mapping


def test_wrong_secret_key_is_refused_by_doku_and_misconfigured(server: DokuServer) -> None:
    with pytest.raises(GatewayMisconfigured) as raised:
        _gateway(server, secret="SK-wrong").create(_request())

    assert raised.value.code == "invalid_signature"
    assert raised.value.retry is False
    assert server.orders == {}
    assert "SK-wrong" not in str(raised.value)


def test_unknown_client_id_is_misconfigured(server: DokuServer) -> None:
    with pytest.raises(GatewayMisconfigured) as raised:
        _gateway(server, client_id="BRN-0000-0000000000000").create(_request())

    assert raised.value.code == "invalid_client_id"
    assert server.orders == {}


def test_missing_credentials_are_misconfigured_before_any_call(server: DokuServer) -> None:
    gateway = DokuGateway(Credentials("doku", False, {"client_id": CLIENT_ID}, server.origin))

    with pytest.raises(GatewayMisconfigured):
        gateway.create(_request())

    assert server.received == []


def test_invoice_number_over_64_characters_is_a_business_error(server: DokuServer) -> None:
    with pytest.raises(GatewayError) as raised:
        _gateway(server).create(_request(reference="IW-" + "9" * 62))

    assert type(raised.value) is GatewayError
    assert raised.value.code == "invalid_parameter"
    assert raised.value.retry is False
    assert server.orders == {}


def test_amount_over_12_digits_is_a_business_error(server: DokuServer) -> None:
    with pytest.raises(GatewayError) as raised:
        _gateway(server).create(_request(amount_minor=10**12))

    assert raised.value.code == "invalid_parameter"
    assert raised.value.retry is False


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_and_throttling_are_retried(server: DokuServer, status: int) -> None:
    server.fail_next.append((status, b'{"error":{"code":"internal","message":"down"}}'))

    with pytest.raises(GatewayError) as raised:
        _gateway(server).create(_request())

    assert raised.value.retry is True
    assert raised.value.code == "internal"


def test_server_error_without_json_is_retried_with_the_status_as_code(server: DokuServer) -> None:
    server.fail_next.append((502, b"<html>Bad Gateway</html>"))

    with pytest.raises(GatewayError) as raised:
        _gateway(server).query("IW-260302-0001")

    assert raised.value.retry is True
    assert raised.value.code == "502"


def test_connection_refused_is_retried() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    values = {"client_id": CLIENT_ID, "secret_key": SECRET}
    gateway = DokuGateway(Credentials("doku", False, values, f"http://127.0.0.1:{port}"))

    with pytest.raises(GatewayError) as raised:
        gateway.create(_request())

    assert raised.value.retry is True
    assert raised.value.code == "network"


def test_a_reused_request_id_is_refused_with_409(server: DokuServer) -> None:
    client = DokuClient(client_id=CLIENT_ID, secret_key=SECRET, root=server.origin)
    body = {
        "order": {"amount": 20000, "invoice_number": "IW-1"},
        "payment": {"payment_due_date": 60},
    }
    first = client.post("/checkout/v1/payment", body, request_id="req-0001")

    with pytest.raises(GatewayError) as raised:
        client.post(
            "/checkout/v1/payment",
            {**body, "order": {"amount": 1, "invoice_number": "X"}},
            request_id="req-0001",
        )

    assert first.status == 200
    assert raised.value.code == "duplicate_request_id"
    assert raised.value.retry is False
    assert list(server.orders) == ["IW-1"]


def test_a_repeated_request_gets_409_with_the_first_answer(server: DokuServer) -> None:
    client = DokuClient(client_id=CLIENT_ID, secret_key=SECRET, root=server.origin)
    body = {
        "order": {"amount": 20000, "invoice_number": "IW-4"},
        "payment": {"payment_due_date": 5},
    }
    client.post("/checkout/v1/payment", body, request_id="req-0004")

    with pytest.raises(GatewayError) as raised:
        client.post("/checkout/v1/payment", body, request_id="req-0004")

    assert raised.value.code == "409"
    assert raised.value.retry is False
    assert str(raised.value) == "DOKU 409 409: SUCCESS"


def test_doku_refuses_a_timestamp_that_is_not_iso_utc(server: DokuServer) -> None:
    body = b'{"order":{"amount":20000,"invoice_number":"IW-2"},"payment":{"payment_due_date":60}}'
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    stamp = "2026-03-02 08:30:00"
    components = (
        f"Client-Id:{CLIENT_ID}\nRequest-Id:req-2\nRequest-Timestamp:{stamp}\n"
        f"Request-Target:/checkout/v1/payment\nDigest:{digest}"
    )
    request = urllib.request.Request(  # noqa: S310 - the local server
        server.origin + "/checkout/v1/payment",
        data=body,
        method="POST",
        headers={
            "Client-Id": CLIENT_ID,
            "Request-Id": "req-2",
            "Request-Timestamp": stamp,
            "Signature": _signature(components),
            "Content-Type": "application/json",
        },
    )

    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310

    assert raised.value.code == 400
    assert json.loads(raised.value.read())["error"]["code"] == "invalid_header_request"
    assert server.orders == {}


# notifications


def _paid(server: DokuServer, status: str = "SUCCESS", channel: str = "") -> DokuGateway:
    gateway = _gateway(server)
    gateway.create(_request())
    server.settle("IW-260302-0001", status, channel)
    return gateway


def test_valid_notification_is_read(server: DokuServer) -> None:
    gateway = _paid(server)
    create_request_id = server.received[0]["headers"]["request-id"]
    headers, body = server.notification(NOTIFY_PATH, invoice="IW-260302-0001")

    [event] = gateway.parse_notification(_inbound(headers, body))

    assert event.reference == "IW-260302-0001"
    assert event.status == EventStatus.SETTLED
    assert event.gateway_status == "SUCCESS"
    assert event.dedupe_id == headers["request-id"]
    assert event.amount_minor == 150000
    assert event.currency == "IDR"
    assert event.gateway_txn_id == create_request_id
    assert event.occurred_at == FIXED_NOW
    assert event.payload == json.loads(body)
    assert gateway.ack(True) == Ack(200, b"OK")


def test_peek_reference_reads_the_invoice_number(server: DokuServer) -> None:
    _paid(server)
    headers, body = server.notification(NOTIFY_PATH, invoice="IW-260302-0001")

    assert DokuGateway.peek_reference(_inbound(headers, body)) == "IW-260302-0001"
    assert DokuGateway.peek_reference(_inbound(headers, b"not json")) == ""


def test_tampered_body_is_refused(server: DokuServer) -> None:
    gateway = _paid(server)
    headers, body = server.notification(NOTIFY_PATH, invoice="IW-260302-0001")
    tampered = body.replace(b'"amount": 150000', b'"amount": 1500000')
    assert tampered != body

    with pytest.raises(InvalidNotification):
        gateway.parse_notification(_inbound(headers, tampered))
    assert gateway.ack(False) == Ack(401, b"invalid signature")


def test_notification_signed_with_another_key_is_refused(server: DokuServer) -> None:
    _paid(server)
    headers, body = server.notification(NOTIFY_PATH, invoice="IW-260302-0001")

    with pytest.raises(InvalidNotification):
        _gateway(server, secret="SK-other").parse_notification(_inbound(headers, body))


def test_notification_for_another_path_is_refused(server: DokuServer) -> None:
    gateway = _paid(server)
    headers, body = server.notification("/v1/payment/notification", invoice="IW-260302-0001")

    with pytest.raises(InvalidNotification):
        gateway.parse_notification(_inbound(headers, body))


def test_notification_from_another_client_id_is_refused(server: DokuServer) -> None:
    _paid(server)
    headers, body = server.notification(NOTIFY_PATH, invoice="IW-260302-0001")

    with pytest.raises(InvalidNotification, match="Client-Id"):
        _gateway(server, client_id="BRN-0201-9999").parse_notification(_inbound(headers, body))


@pytest.mark.parametrize("missing", ["signature", "client-id", "request-id", "request-timestamp"])
def test_notification_missing_a_header_is_refused(server: DokuServer, missing: str) -> None:
    gateway = _paid(server)
    headers, body = server.notification(NOTIFY_PATH, invoice="IW-260302-0001")
    del headers[missing]

    with pytest.raises(InvalidNotification, match="missing"):
        gateway.parse_notification(_inbound(headers, body))


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("SUCCESS", EventStatus.SETTLED),
        ("PENDING", EventStatus.PENDING),
        ("REDIRECT", EventStatus.PENDING),
        ("TIMEOUT", EventStatus.PENDING),
        ("FAILED", EventStatus.FAILED),
        ("EXPIRED", EventStatus.EXPIRED),
        ("REFUNDED", EventStatus.REFUNDED),
    ],
)
def test_every_doku_status_maps(server: DokuServer, status: str, expected: str) -> None:
    gateway = _paid(server, status)
    headers, body = server.notification(NOTIFY_PATH, invoice="IW-260302-0001")

    [event] = gateway.parse_notification(_inbound(headers, body))

    assert event.status == expected
    assert event.gateway_status == status


def test_unknown_status_is_refused(server: DokuServer) -> None:
    gateway = _paid(server, "VOIDED")
    headers, body = server.notification(NOTIFY_PATH, invoice="IW-260302-0001")

    with pytest.raises(InvalidNotification, match="VOIDED"):
        gateway.parse_notification(_inbound(headers, body))


def _signed_body(server: DokuServer, payload: str) -> tuple[dict[str, str], bytes]:
    return server.notification(NOTIFY_PATH, body=payload.encode())


def test_amount_with_zero_decimals_is_read_exactly(server: DokuServer) -> None:
    headers, body = _signed_body(
        server,
        '{"order":{"invoice_number":"IW-3","amount":"150000.00"},'
        '"transaction":{"status":"SUCCESS","date":"2021-01-27T03:24:23Z"},'
        '"virtual_account_info":{"virtual_account_number":"8889940000000213"},'
        '"new_field":{"x":1}}',
    )

    [event] = _gateway(server).parse_notification(_inbound(headers, body))

    assert event.amount_minor == 150000
    assert event.gateway_txn_id == "8889940000000213"
    assert event.occurred_at == datetime(2021, 1, 27, 3, 24, 23, tzinfo=UTC)
    assert event.payload["new_field"] == {"x": 1}


def test_json_number_with_zero_decimals_is_read_exactly(server: DokuServer) -> None:
    headers, body = _signed_body(
        server,
        '{"order":{"invoice_number":"IW-3","amount":150000.0},"transaction":{"status":"PENDING"}}',
    )

    [event] = _gateway(server).parse_notification(_inbound(headers, body))

    assert event.amount_minor == 150000
    assert event.gateway_txn_id == ""
    assert event.occurred_at is None


@pytest.mark.parametrize("amount", ['"150000.5"', "150000.01", '"abc"', "true"])
def test_amount_with_rupiah_fractions_is_refused(server: DokuServer, amount: str) -> None:
    headers, body = _signed_body(
        server,
        '{"order":{"invoice_number":"IW-3","amount":'
        + amount
        + '},"transaction":{"status":"SUCCESS"}}',
    )

    with pytest.raises(InvalidNotification):
        _gateway(server).parse_notification(_inbound(headers, body))


def test_notification_that_is_not_json_is_refused_after_verification(server: DokuServer) -> None:
    headers, body = _signed_body(server, "[1, 2]")

    with pytest.raises(InvalidNotification, match="JSON"):
        _gateway(server).parse_notification(_inbound(headers, body))


# status inquiry


def test_query_reads_the_status_with_a_get_signed_without_digest(server: DokuServer) -> None:
    gateway = _paid(server, "SUCCESS", "VIRTUAL_ACCOUNT_BANK_MANDIRI")
    create_request_id = server.received[0]["headers"]["request-id"]

    event = gateway.query("IW-260302-0001")

    seen = server.received[-1]
    headers = seen["headers"]
    assert seen["method"] == "GET"
    assert seen["path"] == "/orders/v1/status/IW-260302-0001"
    assert seen["body"] == b""
    assert "content-type" not in headers
    components = (
        f"Client-Id:{CLIENT_ID}\nRequest-Id:{headers['request-id']}\n"
        f"Request-Timestamp:{headers['request-timestamp']}\n"
        "Request-Target:/orders/v1/status/IW-260302-0001"
    )
    assert headers["signature"] == _signature(components)
    assert event.reference == "IW-260302-0001"
    assert event.status == EventStatus.SETTLED
    assert event.gateway_status == "SUCCESS"
    assert event.dedupe_id == f"inquiry:{headers['request-id']}"
    assert event.amount_minor == 150000
    assert event.gateway_txn_id == create_request_id
    assert event.payload["channel"] == {"id": "VIRTUAL_ACCOUNT_BANK_MANDIRI"}


def test_query_follows_the_book(server: DokuServer) -> None:
    gateway = _gateway(server)
    gateway.create(_request(method="qris"))

    pending = gateway.query("IW-260302-0001")
    server.settle("IW-260302-0001", "EXPIRED")
    expired = gateway.query("IW-260302-0001")

    assert pending.status == EventStatus.PENDING
    assert expired.status == EventStatus.EXPIRED
    assert pending.dedupe_id != expired.dedupe_id


def test_query_of_an_unknown_invoice_is_a_business_error(server: DokuServer) -> None:
    with pytest.raises(GatewayError) as raised:
        _gateway(server).query("IW-NOPE")

    assert raised.value.code == "not_found"
    assert raised.value.retry is False


def test_query_with_a_wrong_key_is_misconfigured(server: DokuServer) -> None:
    _paid(server)

    with pytest.raises(GatewayMisconfigured) as raised:
        _gateway(server, secret="SK-wrong").query("IW-260302-0001")

    assert raised.value.code == "invalid_signature"


def test_query_refuses_an_answer_signed_with_another_key(server: DokuServer) -> None:
    gateway = _paid(server)
    server.response_secret = "SK-someone-else"

    with pytest.raises(GatewayError) as raised:
        gateway.query("IW-260302-0001")

    assert raised.value.code == "invalid_response_signature"


# refund


def test_refund_is_done_in_the_back_office(server: DokuServer) -> None:
    with pytest.raises(Unsupported, match="Back Office") as raised:
        _gateway(server).refund(
            reference="IW-260302-0001",
            gateway_txn_id="x",
            amount_minor=150000,
            currency="IDR",
            reason="duplicate",
            refund_key="r1",
        )

    assert raised.value.code == "unsupported"
    assert server.received == []


def test_roots_follow_the_production_flag() -> None:
    values = {"client_id": CLIENT_ID, "secret_key": SECRET}

    sandbox = DokuGateway(Credentials("doku", False, values))._client()
    production = DokuGateway(Credentials("doku", True, values))._client()

    assert sandbox.root == "https://api-sandbox.doku.com"
    assert production.root == "https://api.doku.com"
