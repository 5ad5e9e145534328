"""Midtrans: Snap (hosted page), QRIS, bank virtual accounts and Mandiri bill over the Core API."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any, ClassVar

from django.utils import timezone

from core.payments.gateways.base import (
    Checkout,
    CheckoutRequest,
    Gateway,
    GatewayError,
    GatewayEvent,
    Inbound,
    InvalidNotification,
    RefundResult,
    Unsupported,
)
from core.payments.gateways.midtrans import webhooks
from core.payments.gateways.midtrans.client import MidtransClient
from core.payments.money import MoneyError, to_major, to_minor

CURRENCY = "IDR"
BANKS = {"va_bca": "bca", "va_bni": "bni", "va_bri": "bri", "va_permata": "permata"}
# Characters that survive in a /v2/{id}/... path; anything else is looked up by transaction_id.
PATH_SAFE = re.compile(r"[A-Za-z0-9_.-]+")


class MidtransGateway(Gateway):
    """Midtrans (Indonesia, IDR): Snap or a direct Core API charge, notifications, refunds."""

    name: ClassVar[str] = "midtrans"
    label: ClassVar[str] = "Midtrans"
    currencies: ClassVar[frozenset[str]] = frozenset({CURRENCY})
    methods: ClassVar[tuple[str, ...]] = (
        "snap",
        "qris",
        "va_bca",
        "va_bni",
        "va_bri",
        "va_permata",
        "echannel",
    )
    supports_refund: ClassVar[bool] = True
    supports_partial_refund: ClassVar[bool] = True
    secret_names: ClassVar[tuple[str, ...]] = ("server_key", "client_key")

    @property
    def client(self) -> MidtransClient:
        return MidtransClient(
            self.credentials.get("server_key"),
            production=self.credentials.production,
            base_url=self.credentials.base_url,
        )

    @classmethod
    def peek_reference(cls, inbound: Inbound) -> str:
        return webhooks.peek_order_id(inbound.body)

    def create(self, request: CheckoutRequest) -> Checkout:
        gross = _gross(request.amount_minor, request.currency)
        details = {"order_id": request.reference, "gross_amount": gross}
        if request.method == "snap":
            return self._snap(request, details)
        body: dict[str, Any] = {
            "transaction_details": details,
            "custom_expiry": {"expiry_duration": request.expires_minutes, "unit": "minute"},
        }
        if request.method == "qris":
            body |= {"payment_type": "qris", "qris": {"acquirer": "gopay"}}
        elif request.method in BANKS:
            body |= {
                "payment_type": "bank_transfer",
                "bank_transfer": {"bank": BANKS[request.method]},
            }
        elif request.method == "echannel":
            body |= {
                "payment_type": "echannel",
                "echannel": {"bill_info1": "Payment:", "bill_info2": request.description[:30]},
            }
        else:
            raise Unsupported(f"Midtrans has no method {request.method!r}.")
        data = self.client.charge(body, notify_url=request.notify_url)
        return _checkout(request, data)

    def _snap(self, request: CheckoutRequest, details: dict[str, Any]) -> Checkout:
        gross = details["gross_amount"]
        item = {"id": request.reference, "price": gross, "quantity": 1}
        body: dict[str, Any] = {
            "transaction_details": details,
            "item_details": [item | {"name": request.description[:50]}],
            "expiry": {"unit": "minute", "duration": request.expires_minutes},
        }
        customer = {
            "first_name": request.payer_name,
            "email": request.payer_email,
            "phone": request.payer_phone,
        }
        if any(customer.values()):
            body["customer_details"] = {key: value for key, value in customer.items() if value}
        if request.return_url:
            body["callbacks"] = {"finish": request.return_url}
        data = self.client.snap_transaction(body, notify_url=request.notify_url)
        token, redirect_url = data.get("token"), data.get("redirect_url")
        if not (isinstance(token, str) and token and isinstance(redirect_url, str)):
            raise GatewayError("Midtrans Snap answered without a token.", code="invalid_response")
        return Checkout(
            redirect_url=redirect_url,
            expires_at=timezone.now() + timedelta(minutes=request.expires_minutes),
            extra={"token": token},
        )

    def parse_notification(self, inbound: Inbound) -> list[GatewayEvent]:
        return [webhooks.parse_notification(inbound.body, self.credentials.get("server_key"))]

    def query(self, reference: str, gateway_txn_id: str = "") -> GatewayEvent:
        data = self.client.status(_path_id(reference, gateway_txn_id))
        if str(data.get("order_id", "")) != reference:
            raise GatewayError("Midtrans answered about another order.", code="order_mismatch")
        try:
            event = webhooks.event_from(data)
        except InvalidNotification as exc:
            raise GatewayError(str(exc), code="invalid_response") from exc
        return replace(event, dedupe_id=f"inquiry:{event.dedupe_id}")

    def refund(
        self,
        *,
        reference: str,
        gateway_txn_id: str,
        amount_minor: int,
        currency: str,
        reason: str,
        refund_key: str,
    ) -> RefundResult:
        body = {
            "refund_key": refund_key,
            "amount": _gross(amount_minor, currency),
            "reason": reason,
        }
        data = self.client.refund(_path_id(reference, gateway_txn_id), body)
        if data.get("order_id") not in (None, reference):
            raise GatewayError("Midtrans answered about another order.", code="order_mismatch")
        refund_id = str(data.get("refund_chargeback_id") or refund_key)
        status = "succeeded" if str(data.get("status_code")) == "200" else "pending"
        return RefundResult(refund_id=refund_id, status=status, payload=data)


def _gross(amount_minor: int, currency: str) -> int:
    if currency != CURRENCY:
        raise GatewayError(f"Midtrans only takes {CURRENCY}, not {currency}.", code="currency")
    return int(to_major(amount_minor, currency))


def _path_id(reference: str, gateway_txn_id: str) -> str:
    if PATH_SAFE.fullmatch(reference):
        return reference
    if not gateway_txn_id:
        raise GatewayError(
            "This order id cannot be looked up without its transaction id.", code="reference"
        )
    return gateway_txn_id


def _checkout(request: CheckoutRequest, data: dict[str, Any]) -> Checkout:
    """The Core API charge answer as a Checkout, after checking it is about this payment."""
    txn = str(data.get("transaction_id") or "")
    if not txn or data.get("order_id") != request.reference:
        raise GatewayError("Midtrans answered about another order.", code="invalid_response")
    try:
        amount = to_minor(str(data.get("gross_amount", "")), CURRENCY)
    except MoneyError as exc:
        raise GatewayError(str(exc), code="invalid_response") from exc
    if amount != request.amount_minor:
        raise GatewayError("Midtrans answered another amount.", code="amount_mismatch")
    expires_at = webhooks.wib_time(data.get("expiry_time")) or (
        timezone.now() + timedelta(minutes=request.expires_minutes)
    )
    checkout = Checkout(gateway_txn_id=txn, expires_at=expires_at)
    if request.method == "qris":
        qr_string = data.get("qr_string")
        if not (isinstance(qr_string, str) and qr_string):
            raise GatewayError("Midtrans answered without a qr_string.", code="invalid_response")
        return replace(checkout, qr_string=qr_string)
    if request.method == "echannel":
        biller, bill_key = data.get("biller_code"), data.get("bill_key")
        if not (biller and bill_key):
            raise GatewayError("Midtrans answered without a bill key.", code="invalid_response")
        return replace(
            checkout, instructions={"biller_code": str(biller), "bill_key": str(bill_key)}
        )
    bank = BANKS[request.method]
    number = _va_number(data, bank)
    if not number:
        raise GatewayError("Midtrans answered without a VA number.", code="invalid_response")
    return replace(checkout, va_number=number, va_bank=bank)


def _va_number(data: dict[str, Any], bank: str) -> str:
    if bank == "permata" and data.get("permata_va_number"):
        return str(data["permata_va_number"])
    accounts = data.get("va_numbers")
    if isinstance(accounts, list) and accounts and isinstance(accounts[0], dict):
        return str(accounts[0].get("va_number") or "")
    return ""
