"""Payment events: what a payer is told when a payment settles, fails or is refunded.

The payments module calls ``notify(user, PAYMENT_SETTLED, payment_context(...))``; the amount
is money in minor units, shown in the payer's language ("Rp 150.000" in Bahasa Indonesia).
The settled email carries the payment's PDF receipt, built when the email is sent.
"""

from __future__ import annotations

from typing import Any

import structlog
from django.utils.translation import gettext_lazy as _

from core.notifications.events import (
    EMAIL,
    IN_APP,
    PUSH,
    Attachment,
    Category,
    EventType,
    register,
)

logger = structlog.get_logger(__name__)

PAYMENT_SETTLED = "payment.settled"
PAYMENT_FAILED = "payment.failed"
PAYMENT_REFUNDED = "payment.refunded"

PAYMENT_DEFAULTS = frozenset({EMAIL, PUSH, IN_APP})


def payment_context(
    *, amount_minor: int, currency: str, reference: str, purpose: str, timezone: str = ""
) -> dict[str, Any]:
    """The context every payment event needs; `purpose` is shown as given (e.g. a meter)."""
    context: dict[str, Any] = {
        "amount": {"minor": int(amount_minor), "currency": currency},
        "reference": reference,
        "purpose": purpose,
    }
    if timezone:
        context["timezone"] = timezone
    return context


def receipt_attachments(context: dict[str, Any], language: str) -> list[Attachment]:
    """The PDF receipt of the payment `context["reference"]`; none when it is gone or unpaid."""
    # Imported here: core.payments imports this module, so it cannot be imported at load time.
    from core.payments.errors import PaymentConflict
    from core.payments.models import Payment
    from core.payments.receipts import receipt_pdf

    reference = str(context.get("reference", ""))
    payment = Payment.objects.select_related("tenant", "payer").filter(reference=reference).first()
    if payment is None:
        logger.warning("payment_receipt_skipped", reference=reference, reason="no such payment")
        return []
    try:
        content = receipt_pdf(payment, language=language)
    except PaymentConflict:
        logger.warning("payment_receipt_skipped", reference=reference, reason=payment.state)
        return []
    return [Attachment(f"receipt-{reference}.pdf", content, "application/pdf")]


register(
    EventType(
        key=PAYMENT_SETTLED,
        category=Category.PAYMENTS,
        title=_("Payment received: %(amount)s"),
        body=_("We received your payment of %(amount)s for %(purpose)s. Reference: %(reference)s."),
        defaults=PAYMENT_DEFAULTS,
        email_attachments=receipt_attachments,
    ),
    EventType(
        key=PAYMENT_FAILED,
        category=Category.PAYMENTS,
        title=_("Payment failed: %(amount)s"),
        body=_(
            "Your payment of %(amount)s for %(purpose)s did not go through. Please try again "
            "or choose another payment method. Reference: %(reference)s."
        ),
        defaults=PAYMENT_DEFAULTS,
    ),
    EventType(
        key=PAYMENT_REFUNDED,
        category=Category.PAYMENTS,
        title=_("Refund issued: %(amount)s"),
        body=_(
            "We refunded %(amount)s for %(purpose)s. It can take a few working days to reach "
            "you. Reference: %(reference)s."
        ),
        defaults=PAYMENT_DEFAULTS,
    ),
)
