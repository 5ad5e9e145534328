"""Payment events: what a payer is told when a payment settles, fails or is refunded.

The payments module calls ``notify(user, PAYMENT_SETTLED, payment_context(...))``; the amount
is money in minor units, shown in the payer's language ("Rp 150.000" in Bahasa Indonesia).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from core.notifications.events import EMAIL, IN_APP, PUSH, Category, EventType, register

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


register(
    EventType(
        key=PAYMENT_SETTLED,
        category=Category.PAYMENTS,
        title=_("Payment received: %(amount)s"),
        body=_("We received your payment of %(amount)s for %(purpose)s. Reference: %(reference)s."),
        defaults=PAYMENT_DEFAULTS,
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
