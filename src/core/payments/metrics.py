"""Payment metrics: transitions by gateway and state, time to settle, notification outcomes.

Success rate is `settled / (settled + failed + expired + cancelled)` over these counters
(docs/operations.md has the PromQL); `selectors.payment_stats_for` gives the same figures
from the database for the dashboards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from prometheus_client import Counter, Histogram

from core.ops.metrics import record_payment_event

if TYPE_CHECKING:
    from core.payments.models import Payment

TRANSITIONS = Counter(
    "platform_payments",
    "Payments entering a state, by gateway and state.",
    ["gateway", "state"],
)
SETTLE_SECONDS = Histogram(
    "platform_payment_settle_seconds",
    "Seconds from a payment's creation to its settlement, by gateway.",
    ["gateway"],
    buckets=(5, 15, 30, 60, 120, 300, 600, 1800, 3600, 6 * 3600, 24 * 3600, 72 * 3600),
)


def transition(payment: Payment, state: str) -> None:
    """Count a state change once it has committed."""
    gateway = payment.gateway
    seconds = None
    if state == "settled" and payment.settled_at and payment.created_at:
        seconds = (payment.settled_at - payment.created_at).total_seconds()

    def _count() -> None:
        TRANSITIONS.labels(gateway=gateway, state=state).inc()
        if seconds is not None:
            SETTLE_SECONDS.labels(gateway=gateway).observe(max(seconds, 0.0))

    transaction.on_commit(_count)


def notification(gateway: str, outcome: str) -> None:
    """Count one handled gateway message (applied, duplicate, stale, mismatch, rejected…)."""
    record_payment_event(gateway, outcome)
