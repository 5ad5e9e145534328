"""The payment events: registered in the catalogue, money written in the payer's language."""

from __future__ import annotations

import pytest

from core.notifications.catalogue import (
    PAYMENT_FAILED,
    PAYMENT_REFUNDED,
    PAYMENT_SETTLED,
    payment_context,
)
from core.notifications.events import Category, event_get
from core.notifications.services import notify

pytestmark = pytest.mark.django_db

TOPUP = payment_context(
    amount_minor=150_000, currency="IDR", reference="PAY-2026-0042", purpose="meter IW-0000042"
)


def test_the_payment_events_are_registered_with_their_defaults():
    for key in (PAYMENT_SETTLED, PAYMENT_FAILED, PAYMENT_REFUNDED):
        event = event_get(key)
        assert event.category == Category.PAYMENTS
        assert event.channels == {"email", "sms", "push", "in_app"}
        assert event.defaults == {"email", "push", "in_app"}
        assert event.required == frozenset()


@pytest.mark.parametrize(
    ("language", "title", "amount"),
    [("en", "Payment received: Rp 150,000", "Rp 150,000"), ("id", None, "Rp 150.000")],
)
def test_a_settled_payment_shows_the_amount_in_the_payers_language(
    user_factory, language, title, amount
):
    user = user_factory(language=language, phone="")
    notification = notify(user, PAYMENT_SETTLED, TOPUP, link="/water/meters/7/")
    assert notification is not None
    assert amount in notification.title
    if title is not None:
        assert notification.title == title
        assert notification.body == (
            "We received your payment of Rp 150,000 for meter IW-0000042. Reference: PAY-2026-0042."
        )
    assert amount in notification.body
    assert sorted(notification.deliveries.values_list("channel", flat=True)) == [
        "email",
        "push",
    ]
    assert notification.context == {
        "amount": {"minor": 150_000, "currency": "IDR"},
        "reference": "PAY-2026-0042",
        "purpose": "meter IW-0000042",
    }


def test_failed_and_refunded_payments_have_their_own_words(user_factory):
    user = user_factory(phone="")
    failed = notify(user, PAYMENT_FAILED, TOPUP)
    refunded = notify(
        user,
        PAYMENT_REFUNDED,
        payment_context(
            amount_minor=125_000, currency="TTD", reference="R-9", purpose="job RS-1001"
        ),
    )
    assert failed is not None
    assert refunded is not None
    assert (failed.title, failed.body) == (
        "Payment failed: Rp 150,000",
        "Your payment of Rp 150,000 for meter IW-0000042 did not go through. Please try "
        "again or choose another payment method. Reference: PAY-2026-0042.",
    )
    assert (refunded.title, refunded.body) == (
        "Refund issued: TT$1,250.00",
        "We refunded TT$1,250.00 for job RS-1001. It can take a few working days to reach "
        "you. Reference: R-9.",
    )
