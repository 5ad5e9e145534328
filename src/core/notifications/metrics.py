"""Business counters for notifications, exposed on /metrics."""

from __future__ import annotations

from prometheus_client import Counter

NOTIFICATIONS = Counter(
    "notifications_created_total", "Notifications created, by event.", ["event"]
)
DELIVERIES = Counter(
    "notification_deliveries_total",
    "Delivery attempts by channel and outcome (sent, skipped, retry, failed).",
    ["channel", "outcome"],
)
