"""Business counters next to django-prometheus' request metrics, and the exposition itself.

Other modules call the `record_*` helpers; they never touch prometheus_client directly, so
label names and their bounded values stay in one place. Under several worker processes set
PROMETHEUS_MULTIPROC_DIR (an empty, writable directory, wiped at deploy) before the workers
start: every process then writes its samples there and `/metrics` sums them.
"""

from __future__ import annotations

from django.conf import settings
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    generate_latest,
    multiprocess,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST
_LABEL_MAX = 48  # label values are identifiers, never free text; cap them against mistakes

LOGINS = Counter(
    "platform_auth_logins",
    "Sign-in attempts by outcome (succeeded, failed, throttled).",
    ["result"],
)
RATE_LIMITED = Counter(
    "platform_rate_limited",
    "Requests refused by a rate limit, by limit scope.",
    ["scope"],
)
AUDIT_EVENTS = Counter(
    "platform_audit_events",
    "Audit log entries written, by action.",
    ["action"],
)
PAYMENTS = Counter(
    "platform_payment_events",
    "Payment gateway events handled, by gateway and outcome.",
    ["gateway", "outcome"],
)
NOTIFICATIONS = Counter(
    "platform_notifications",
    "Notification deliveries, by channel (email, sms, push, in_app) and outcome.",
    ["channel", "outcome"],
)


def _label(value: str) -> str:
    return str(value)[:_LABEL_MAX] or "unknown"


def record_login(result: str) -> None:
    """Count one sign-in attempt with its outcome."""
    LOGINS.labels(result=_label(result)).inc()


def record_rate_limited(scope: str) -> None:
    """Count one request refused by the rate limit named `scope`."""
    RATE_LIMITED.labels(scope=_label(scope)).inc()


def record_audit_event(action: str) -> None:
    """Count one audit log entry of `action`."""
    AUDIT_EVENTS.labels(action=_label(action)).inc()


def record_payment_event(gateway: str, outcome: str) -> None:
    """Count one payment event (settled, failed, refunded, duplicate, …) from `gateway`."""
    PAYMENTS.labels(gateway=_label(gateway), outcome=_label(outcome)).inc()


def record_notification(channel: str, outcome: str) -> None:
    """Count one notification delivery attempt on `channel` (sent, failed)."""
    NOTIFICATIONS.labels(channel=_label(channel), outcome=_label(outcome)).inc()


def exposition() -> bytes:
    """The Prometheus text page: this process' registry, or every worker's in multi-process."""
    # prometheus_client reads the same variable from the environment at import to decide
    # where this process writes its samples; the setting mirrors it for the collector.
    if settings.PROMETHEUS_MULTIPROC_DIR:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)
