"""Tell the payer and the tenant's staff that a payment changed: live event and notification."""

from __future__ import annotations

from django.utils import translation

from core.notifications.catalogue import (
    PAYMENT_FAILED,
    PAYMENT_REFUNDED,
    PAYMENT_SETTLED,
    payment_context,
)
from core.notifications.services import notify
from core.payments.models import Payment, State
from core.payments.purposes import purpose_get
from core.realtime.services import publish

NOTIFIED: dict[str, str] = {
    State.SETTLED: PAYMENT_SETTLED,
    State.FAILED: PAYMENT_FAILED,
    State.REFUNDED: PAYMENT_REFUNDED,
    State.PARTIALLY_REFUNDED: PAYMENT_REFUNDED,
}


def payment_path(payment: Payment) -> str:
    return f"/payments/{payment.reference}/"


def announce(payment: Payment, before: str, *, amount_minor: int | None = None) -> None:
    """Publish `payment.updated` and notify the payer of settled / failed / refunded.

    Runs inside the transition's transaction: both are stored now and sent after commit.
    `amount_minor` is the refunded amount for a refund (default: the payment's total).
    """
    purpose = purpose_get(payment.purpose)
    publish(
        "payment.updated",
        {
            "reference": payment.reference,
            "state": payment.state,
            "previous": before,
            "purpose": payment.purpose,
            "purpose_ref": payment.purpose_ref,
            "total_minor": payment.total_minor,
            "currency": payment.currency,
        },
        users=[payment.payer_id] if payment.payer_id else [],
        tenants=purpose.staff_tenant_ids(payment),
    )
    event = NOTIFIED.get(payment.state)
    payer = payment.payer
    if event is None or payer is None:
        return
    if amount_minor is None:
        amount_minor = payment.total_minor
    with translation.override(payer.language or "id"):
        label = str(purpose.label(payment))
    context = payment_context(
        amount_minor=amount_minor,
        currency=payment.currency,
        reference=payment.reference,
        purpose=label,
        timezone=payment.tenant.timezone,
    )
    notify(
        payer,
        event,
        context,
        tenant=payment.tenant,
        link=payment_path(payment),
        dedupe_key=f"{event}:{payment.reference}:{payment.refunded_minor}",
    )
