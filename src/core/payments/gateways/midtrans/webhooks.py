"""Midtrans HTTP notifications: signature_key verification and the status mapping.

signature_key = lowercase hex SHA-512(order_id + status_code + gross_amount + server key),
over the strings exactly as received ("24145.00" keeps its decimals), compared in constant
time. The same parser reads status inquiry answers, which carry the same fields.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.payments.gateways.base import (
    EventStatus,
    GatewayEvent,
    InvalidNotification,
    constant_time_equal,
)
from core.payments.money import MoneyError, to_minor

# Midtrans reports times in Western Indonesian Time without an offset.
WIB = ZoneInfo("Asia/Jakarta")

STATUS = {
    "pending": EventStatus.PENDING,
    "authorize": EventStatus.PENDING,
    "settlement": EventStatus.SETTLED,
    "deny": EventStatus.FAILED,
    "cancel": EventStatus.CANCELLED,
    "expire": EventStatus.EXPIRED,
    "failure": EventStatus.FAILED,
    "refund": EventStatus.REFUNDED,
    "partial_refund": EventStatus.PARTIALLY_REFUNDED,
    "chargeback": EventStatus.REVERSED,
    "partial_chargeback": EventStatus.REVERSED,
}
CAPTURE = {
    "accept": EventStatus.SETTLED,
    "challenge": EventStatus.REVIEW,
    "deny": EventStatus.FAILED,
}


def signature_key(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """The signature_key Midtrans puts on a notification for these exact strings."""
    text = f"{order_id}{status_code}{gross_amount}{server_key}"
    return hashlib.sha512(text.encode()).hexdigest()


def peek_order_id(body: bytes) -> str:
    """The order id a notification claims, unverified: only to choose whose key checks it."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    return str(data.get("order_id", "")) if isinstance(data, dict) else ""


def map_status(transaction_status: str, fraud_status: str) -> str:
    """Midtrans's transaction_status (and fraud_status for capture) as an EventStatus."""
    if transaction_status == "capture":
        return CAPTURE.get(fraud_status or "accept", EventStatus.REVIEW)
    try:
        return STATUS[transaction_status]
    except KeyError:
        raise InvalidNotification(f"Unknown Midtrans status {transaction_status!r}.") from None


def wib_time(value: Any) -> datetime | None:
    """A Midtrans "YYYY-MM-DD HH:MM:SS" time (WIB) as an aware datetime; None if absent or odd."""
    if not value:
        return None
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=WIB)
    except ValueError:
        return None


def event_from(data: dict[str, Any]) -> GatewayEvent:
    """Map a notification or status answer (already trusted) to a GatewayEvent."""
    status = str(data.get("transaction_status", ""))
    fraud = str(data.get("fraud_status", ""))
    currency = str(data.get("currency") or "IDR")
    try:
        amount = to_minor(data["gross_amount"], currency) if "gross_amount" in data else None
        refunded = to_minor(data["refund_amount"], currency) if data.get("refund_amount") else None
    except MoneyError as exc:
        raise InvalidNotification(str(exc)) from exc
    txn = str(data.get("transaction_id", ""))
    return GatewayEvent(
        reference=str(data.get("order_id", "")),
        status=map_status(status, fraud),
        gateway_status=f"{status}/{fraud}" if fraud and status == "capture" else status,
        dedupe_id=":".join(
            [
                txn,
                status,
                fraud,
                str(data.get("status_code", "")),
                str(data.get("refund_amount", "")),
            ]
        ),
        amount_minor=amount,
        currency=currency,
        gateway_txn_id=txn,
        refunded_minor=refunded,
        occurred_at=wib_time(data.get("settlement_time") or data.get("transaction_time")),
        payload=data,
    )


def parse_notification(body: bytes, server_key: str) -> GatewayEvent:
    """Verify and read one notification body. Raises InvalidNotification."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise InvalidNotification("The notification is not JSON.") from exc
    if not isinstance(data, dict):
        raise InvalidNotification("The notification is not a JSON object.")
    fields = [data.get(k) for k in ("order_id", "status_code", "gross_amount", "signature_key")]
    if not all(isinstance(value, str) and value for value in fields):
        raise InvalidNotification("order_id, status_code, gross_amount or signature_key missing.")
    order_id, status_code, gross_amount, given = (str(value) for value in fields)
    expected = signature_key(order_id, status_code, gross_amount, server_key)
    if not constant_time_equal(given.lower(), expected):
        raise InvalidNotification("signature_key does not match.")
    return event_from(data)
