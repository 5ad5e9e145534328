"""The sandbox gateway: a hosted page inside the platform, the embedded default.

It offers the same methods as Midtrans (Snap page, QRIS, bank VAs, Mandiri bill) and its
notifications are Midtrans notifications, signed with the sandbox's own server key, so a
demo payment goes through the same verification and the same exactly-once path as a real
one. Its QR code and Snap link open the hosted page, where the payer chooses to pay, fail
or let it expire.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from django.utils import timezone

from core.notifications.rendering import absolute
from core.payments.gateways.base import (
    Checkout,
    CheckoutRequest,
    Gateway,
    GatewayError,
    GatewayEvent,
    Inbound,
    RefundResult,
)
from core.payments.gateways.midtrans import webhooks as midtrans
from core.payments.gateways.sandbox import book
from core.payments.money import to_major

VA_BANKS = {"va_bca": "bca", "va_bni": "bni", "va_bri": "bri", "va_permata": "permata"}


def _digits(reference: str, count: int) -> str:
    number = int(hashlib.sha256(reference.encode()).hexdigest(), 16)
    return str(number)[-count:].rjust(count, "0")


class SandboxGateway(Gateway):
    name = "sandbox"
    label = "Sandbox"
    currencies = frozenset({"IDR", "TTD"})
    methods = ("snap", "qris", "va_bca", "va_bni", "va_bri", "va_permata", "echannel", "card")
    supports_refund = True
    supports_partial_refund = True
    secret_names = ()

    @classmethod
    def peek_reference(cls, inbound: Inbound) -> str:
        return midtrans.peek_order_id(inbound.body)

    def create(self, request: CheckoutRequest) -> Checkout:
        expires_at = timezone.now() + timedelta(minutes=request.expires_minutes)
        page = absolute(f"/payments/sandbox/{request.reference}/")
        bank = VA_BANKS.get(request.method, "")
        va_number = f"8808{_digits(request.reference, 12)}" if bank else ""
        charge = book.charge_open(
            order_id=request.reference,
            transaction_id=str(uuid.uuid4()),
            payment_type=_payment_type(request.method),
            gross_amount=to_major(request.amount_minor, request.currency, places=2),
            currency=request.currency,
            va_number=va_number,
            bank=bank,
            expires_at=expires_at,
        )
        instructions = {}
        if request.method == "echannel":
            instructions = {"biller_code": "70012", "bill_key": _digits(request.reference, 11)}
        return Checkout(
            gateway_txn_id=charge.transaction_id,
            redirect_url=page if request.method in ("snap", "card") else "",
            qr_string=page if request.method == "qris" else "",
            va_number=va_number,
            va_bank=bank,
            instructions=instructions,
            expires_at=expires_at,
            extra={"sandbox_page": page},
        )

    def parse_notification(self, inbound: Inbound) -> list[GatewayEvent]:
        return [midtrans.parse_notification(inbound.body, self.credentials.get("server_key"))]

    def query(self, reference: str, gateway_txn_id: str = "") -> GatewayEvent:
        charge = book.charge_get(reference)
        if charge is None:
            raise GatewayError("Transaction doesn't exist.", code="404")
        data = book.status_body(charge, self.credentials.get("server_key"))
        event = midtrans.event_from(data)
        return GatewayEvent(**{**event.__dict__, "dedupe_id": "inquiry:" + event.dedupe_id})

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
        charge = book.charge_refund(reference, to_major(amount_minor, currency, places=2))
        if charge is None:
            raise GatewayError("Merchant cannot modify the status of the transaction", code="412")
        return RefundResult(refund_id=refund_key, status="succeeded")


def _payment_type(method: str) -> str:
    if method in VA_BANKS:
        return "bank_transfer"
    return {"snap": "snap", "qris": "qris", "echannel": "echannel", "card": "credit_card"}[method]
