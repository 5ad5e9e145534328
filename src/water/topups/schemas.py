"""Request and response bodies of the top-up API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from core.api.schemas import Strict
from core.payments.models import Payment, State


class MethodOut(Schema):
    gateway: str
    gateway_label: str
    method: str
    label: str
    kind: str = Field(description="qris, va, bill or hosted")
    fee_flat_idr: int
    fee_rate_bp: int = Field(description="Share of the amount in basis points (70 = 0.7 %)")


class TopupOptionsOut(Schema):
    meter_id: int
    currency: str
    denominations_idr: list[int]
    min_idr: int
    max_idr: int
    methods: list[MethodOut]


class TopupIn(Strict):
    amount_idr: int = Field(description="Credit for the meter, whole Rupiah")
    gateway: str = Field(max_length=16)
    method: str = Field(max_length=32)
    idempotency_key: str | None = Field(
        default=None, min_length=8, max_length=64, description="Client-made; a retry is ignored"
    )


class CheckoutOut(Schema):
    redirect_url: str = ""
    qr_string: str = ""
    va_number: str = ""
    va_bank: str = ""
    instructions: dict[str, str] = {}
    expires_at: datetime | None = None


class PaymentOut(Schema):
    """A top-up payment: what the meter gets, the fee, and what the payer needs to pay."""

    reference: str
    state: State
    meter_id: int
    amount_idr: int
    fee_idr: int
    total_idr: int
    gateway: str
    method: str
    checkout: CheckoutOut
    page_url: str
    created_at: datetime
    settled_at: datetime | None


class PaymentPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PaymentOut]


class PaymentsQuery(Schema):
    state: State | None = None
    gateway: str | None = Field(default=None, max_length=16)
    date_from: datetime | None = Field(default=None, alias="from")
    date_to: datetime | None = Field(default=None, alias="to")


def payment_out(payment: Payment) -> dict[str, Any]:
    """The response body of one payment."""
    checkout = payment.checkout or {}
    return {
        "reference": payment.reference,
        "state": payment.state,
        "meter_id": int(payment.purpose_ref),
        "amount_idr": payment.amount_minor,
        "fee_idr": payment.fee_minor,
        "total_idr": payment.total_minor,
        "gateway": payment.gateway,
        "method": payment.method,
        "checkout": {
            "redirect_url": checkout.get("redirect_url", ""),
            "qr_string": checkout.get("qr_string", ""),
            "va_number": checkout.get("va_number", ""),
            "va_bank": checkout.get("va_bank", ""),
            "instructions": dict(checkout.get("instructions") or {}),
            "expires_at": payment.expires_at,
        },
        "page_url": f"/payments/{payment.reference}/",
        "created_at": payment.created_at,
        "settled_at": payment.settled_at,
    }
