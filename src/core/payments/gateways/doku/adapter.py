"""DOKU Checkout (Non-SNAP): a hosted page offering virtual accounts, QRIS and more.

The payer pays on DOKU's page; DOKU then sends an HTTP notification to the Notification URL
set in its Back Office, and the status inquiry confirms it. Refunds of Checkout payments are
made in the DOKU Back Office: the Non-SNAP Checkout API has no refund call.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

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
from core.payments.gateways.doku import webhooks
from core.payments.gateways.doku.client import PRODUCTION_ROOT, SANDBOX_ROOT, DokuClient
from core.payments.money import to_major

CHECKOUT_PATH = "/checkout/v1/payment"
STATUS_PATH = "/orders/v1/status/"
PAYMENT_METHOD_TYPES = {
    "va_bca": "VIRTUAL_ACCOUNT_BCA",
    "va_mandiri": "VIRTUAL_ACCOUNT_BANK_MANDIRI",
    "va_bri": "VIRTUAL_ACCOUNT_BRI",
    "va_bni": "VIRTUAL_ACCOUNT_BNI",
    "va_permata": "VIRTUAL_ACCOUNT_BANK_PERMATA",
    "qris": "QRIS",
}
# DOKU states payment.expired_date as yyyyMMddHHmmss in Western Indonesian Time.
WIB = ZoneInfo("Asia/Jakarta")


class DokuGateway(Gateway):
    """DOKU Checkout: hosted payment page, HTTP notifications and status inquiry."""

    name = "doku"
    label = "DOKU"
    currencies = frozenset({"IDR"})
    methods = ("checkout", *PAYMENT_METHOD_TYPES)
    secret_names = ("client_id", "secret_key")
    supports_refund = False
    supports_query = True

    def _client(self) -> DokuClient:
        root = self.credentials.base_url or (
            PRODUCTION_ROOT if self.credentials.production else SANDBOX_ROOT
        )
        return DokuClient(
            client_id=self.credentials.get("client_id"),
            secret_key=self.credentials.get("secret_key"),
            root=root,
        )

    @classmethod
    def peek_reference(cls, inbound: Inbound) -> str:
        return webhooks.peek_invoice_number(inbound.body)

    def create(self, request: CheckoutRequest) -> Checkout:
        if request.currency not in self.currencies:
            raise GatewayError(f"DOKU takes IDR, not {request.currency}.", code="currency")
        if request.method not in self.methods:
            raise GatewayError(f"DOKU has no method {request.method!r}.", code="method")
        client = self._client()
        reply = client.post(CHECKOUT_PATH, _checkout_body(request))
        webhooks.verify_reply(reply, client_id=client.client_id, secret_key=client.secret_key)
        response = reply.data.get("response")
        payment = response.get("payment") if isinstance(response, dict) else None
        url = payment.get("url") if isinstance(payment, dict) else None
        if not isinstance(payment, dict) or not isinstance(url, str) or not url:
            raise GatewayError("DOKU answered without a payment url.", code="invalid_response")
        extra: dict[str, Any] = {"request_id": reply.request_id}
        if payment.get("token_id"):
            extra["token_id"] = str(payment["token_id"])
        expires_at = _expiry(payment.get("expired_date")) or timezone.now() + timedelta(
            minutes=request.expires_minutes
        )
        return Checkout(
            gateway_txn_id=reply.request_id,
            redirect_url=url,
            expires_at=expires_at,
            extra=extra,
        )

    def parse_notification(self, inbound: Inbound) -> list[GatewayEvent]:
        return [
            webhooks.parse_notification(
                inbound,
                client_id=self.credentials.get("client_id"),
                secret_key=self.credentials.get("secret_key"),
            )
        ]

    def query(self, reference: str, gateway_txn_id: str = "") -> GatewayEvent:
        client = self._client()
        reply = client.get(STATUS_PATH + quote(reference, safe=""))
        webhooks.verify_reply(reply, client_id=client.client_id, secret_key=client.secret_key)
        try:
            event = webhooks.event_from(reply.data, dedupe_id=f"inquiry:{reply.request_id}")
        except InvalidNotification as exc:
            raise GatewayError(f"DOKU status answer: {exc}", code="invalid_response") from exc
        if event.reference != reference:
            raise GatewayError("DOKU answered about another invoice.", code="invalid_response")
        return event

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
        raise Unsupported(
            "DOKU Checkout has no refund API: refund this payment in the DOKU Back Office.",
            code="unsupported",
        )


def _checkout_body(request: CheckoutRequest) -> dict[str, Any]:
    """The POST /checkout/v1/payment body for one request."""
    amount = int(to_major(request.amount_minor, "IDR"))
    order: dict[str, Any] = {
        "amount": amount,
        "invoice_number": request.reference,
        "currency": "IDR",
        "callback_url": request.return_url,
        "line_items": [
            {"name": request.description or request.reference, "price": amount, "quantity": 1}
        ],
    }
    payment: dict[str, Any] = {"payment_due_date": request.expires_minutes}
    if request.method != "checkout":
        payment["payment_method_types"] = [PAYMENT_METHOD_TYPES[request.method]]
    body: dict[str, Any] = {"order": order, "payment": payment}
    customer = {
        key: value
        for key, value in (
            ("name", request.payer_name),
            ("email", request.payer_email),
            ("phone", request.payer_phone),
        )
        if value
    }
    if customer:
        body["customer"] = customer
    return body


def _expiry(value: Any) -> datetime | None:
    """payment.expired_date: yyyyMMddHHmmss in WIB; an ISO time with an offset also does."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=WIB)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=WIB)
