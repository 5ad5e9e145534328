"""DOKU HTTP notifications and answers: signature verification and the status mapping.

DOKU signs a notification like a request to it, with Request-Target = the path of OUR
notification URL and Digest = Base64(SHA-256(the raw body as received)). Its API answers are
signed the same way with Response-Timestamp. The same parser reads notifications and status
inquiry answers, which carry the same fields; DOKU may add fields, so unknown ones are kept
in the payload and otherwise ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from core.payments.gateways.base import (
    EventStatus,
    GatewayError,
    GatewayEvent,
    Inbound,
    InvalidNotification,
    constant_time_equal,
)
from core.payments.gateways.doku.client import Reply, component_string, digest, sign
from core.payments.money import MoneyError, to_minor

STATUS = {
    "SUCCESS": EventStatus.SETTLED,
    "PENDING": EventStatus.PENDING,
    "REDIRECT": EventStatus.PENDING,
    "TIMEOUT": EventStatus.PENDING,
    "FAILED": EventStatus.FAILED,
    "EXPIRED": EventStatus.EXPIRED,
    "REFUNDED": EventStatus.REFUNDED,
}


def _section(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def load(body: bytes) -> dict[str, Any] | None:
    """A JSON object with exact decimals, or None."""
    try:
        data = json.loads(body, parse_float=Decimal)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def peek_invoice_number(body: bytes) -> str:
    """The order.invoice_number a notification claims, unverified."""
    data = load(body)
    if data is None:
        return ""
    return str(_section(data, "order").get("invoice_number") or "")


def verify_notification(inbound: Inbound, *, client_id: str, secret_key: str) -> None:
    """Check a notification's Client-Id and Signature. Raises InvalidNotification."""
    given_client = inbound.header("Client-Id")
    request_id = inbound.header("Request-Id")
    stamp = inbound.header("Request-Timestamp")
    given = inbound.header("Signature")
    if not (given_client and request_id and stamp and given):
        raise InvalidNotification("Client-Id, Request-Id, Request-Timestamp or Signature missing.")
    if not constant_time_equal(given_client, client_id):
        raise InvalidNotification("The Client-Id is not this account's.")
    components = component_string(
        client_id=given_client,
        request_id=request_id,
        stamp=stamp,
        target=inbound.path,
        body_digest=digest(inbound.body),
    )
    if not constant_time_equal(given, sign(components, secret_key)):
        raise InvalidNotification("The Signature does not match.")


def verify_reply(reply: Reply, *, client_id: str, secret_key: str) -> None:
    """Check the Signature DOKU puts on an answer, when it sends one. Raises GatewayError."""
    given = reply.headers.get("signature", "")
    if not given:
        return
    components = component_string(
        client_id=client_id,
        request_id=reply.request_id,
        stamp=reply.headers.get("response-timestamp", ""),
        target=reply.target,
        body_digest=digest(reply.body) if reply.method == "POST" else "",
        stamp_name="Response-Timestamp",
    )
    if not constant_time_equal(given, sign(components, secret_key)):
        raise GatewayError(
            "DOKU's answer has a wrong Signature.", code="invalid_response_signature"
        )


def map_status(status: str) -> str:
    """DOKU's transaction.status as an EventStatus; unknown words are refused."""
    try:
        return STATUS[status]
    except KeyError:
        raise InvalidNotification(f"Unknown DOKU status {status!r}.") from None


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _channel_id(data: Mapping[str, Any]) -> str:
    """The channel's own identifier when the message has no original_request_id."""
    return str(_section(data, "virtual_account_info").get("virtual_account_number") or "")


def event_from(data: dict[str, Any], *, dedupe_id: str) -> GatewayEvent:
    """Map a notification or status answer (already trusted) to a GatewayEvent."""
    order = _section(data, "order")
    transaction = _section(data, "transaction")
    status = str(transaction.get("status") or "")
    currency = str(order.get("currency") or "IDR")
    try:
        amount = to_minor(order["amount"], currency) if "amount" in order else None
    except MoneyError as exc:
        raise InvalidNotification(str(exc)) from exc
    return GatewayEvent(
        reference=str(order.get("invoice_number") or ""),
        status=map_status(status),
        gateway_status=status,
        dedupe_id=dedupe_id,
        amount_minor=amount,
        currency=currency,
        gateway_txn_id=str(transaction.get("original_request_id") or _channel_id(data)),
        occurred_at=_time(transaction.get("date")),
        payload=json.loads(json.dumps(data, default=str)),
    )


def parse_notification(inbound: Inbound, *, client_id: str, secret_key: str) -> GatewayEvent:
    """Verify and read one HTTP notification. Raises InvalidNotification."""
    verify_notification(inbound, client_id=client_id, secret_key=secret_key)
    data = load(inbound.body)
    if data is None:
        raise InvalidNotification("The notification is not a JSON object.")
    return event_from(data, dedupe_id=inbound.header("Request-Id"))
