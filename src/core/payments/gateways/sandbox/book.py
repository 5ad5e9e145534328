"""The sandbox's side of each charge, and the Midtrans-shaped messages it sends about them."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from core.payments.gateways.midtrans.webhooks import signature_key
from core.payments.models import SandboxCharge

WIB = ZoneInfo("Asia/Jakarta")
# What the payer can choose on the hosted page, as Midtrans statuses and status codes.
ACTIONS = {"pay": ("settlement", "200"), "fail": ("deny", "202"), "expire": ("expire", "407")}
MESSAGES = {
    "pending": "Transaction is pending",
    "settlement": "Transaction settled",
    "deny": "Transaction is denied",
    "expire": "Transaction is expired",
    "refund": "Refund success",
    "partial_refund": "Partial refund success",
}
CODES = {"pending": "201", "refund": "200", "partial_refund": "200"}


def charge_open(**fields: object) -> SandboxCharge:
    """Open a charge for an order, or return the one already open for it."""
    order_id = str(fields["order_id"])
    with transaction.atomic():
        found = SandboxCharge.objects.filter(order_id=order_id).first()
        return found or SandboxCharge.objects.create(**fields)


def charge_get(order_id: str) -> SandboxCharge | None:
    return SandboxCharge.objects.filter(order_id=order_id).first()


def charge_finish(order_id: str, action: str) -> SandboxCharge | None:
    """The payer's choice on the hosted page; None when the charge is no longer pending."""
    status, _ = ACTIONS[action]
    updated = SandboxCharge.objects.filter(order_id=order_id, status="pending").update(
        status=status, updated_at=timezone.now()
    )
    return charge_get(order_id) if updated else None


def charge_refund(order_id: str, amount: str) -> SandboxCharge | None:
    """Refund part or all of a settled charge; None when it cannot be refunded."""
    with transaction.atomic():
        charge = SandboxCharge.objects.select_for_update().filter(order_id=order_id).first()
        if charge is None or charge.status not in ("settlement", "partial_refund"):
            return None
        total = Decimal(charge.refunded or "0") + Decimal(amount)
        if total > Decimal(charge.gross_amount):
            return None
        charge.refunded = f"{total:.2f}"
        charge.status = "refund" if total == Decimal(charge.gross_amount) else "partial_refund"
        charge.save(update_fields=["refunded", "status", "updated_at"])
        return charge


def _wib(moment: datetime) -> str:
    return moment.astimezone(WIB).strftime("%Y-%m-%d %H:%M:%S")


def status_body(charge: SandboxCharge, server_key: str) -> dict[str, object]:
    """The charge as Midtrans reports it, signed as in a notification."""
    code = CODES.get(charge.status) or ACTIONS.get(_action_of(charge.status), ("", "200"))[1]
    body: dict[str, object] = {
        "transaction_time": _wib(charge.created_at),
        "transaction_status": charge.status,
        "transaction_id": charge.transaction_id,
        "status_message": MESSAGES.get(charge.status, charge.status),
        "status_code": code,
        "payment_type": charge.payment_type,
        "order_id": charge.order_id,
        "merchant_id": "SANDBOX",
        "gross_amount": charge.gross_amount,
        "fraud_status": "accept",
        "currency": charge.currency,
        "expiry_time": _wib(charge.expires_at),
    }
    if charge.status == "settlement":
        body["settlement_time"] = _wib(charge.updated_at)
    if charge.refunded:
        body["refund_amount"] = charge.refunded
    if charge.va_number:
        body["va_numbers"] = [{"bank": charge.bank, "va_number": charge.va_number}]
    body["signature_key"] = signature_key(
        charge.order_id, str(body["status_code"]), charge.gross_amount, server_key
    )
    return body


def notification_body(charge: SandboxCharge, server_key: str) -> bytes:
    return json.dumps(status_body(charge, server_key)).encode()


def _action_of(status: str) -> str:
    return next((name for name, (s, _) in ACTIONS.items() if s == status), "")
