"""Live-update metrics: sockets open now and events published, in the style of core.ops.metrics.

prometheus_client registers them in the default registry, which `/metrics` exposes; under
PROMETHEUS_MULTIPROC_DIR the gauge sums the live processes ("livesum").
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

_LABEL_MAX = 48

SOCKETS = Gauge(
    "platform_live_sockets",
    "Live-update WebSockets open now.",
    multiprocess_mode="livesum",
)
EVENTS = Counter(
    "platform_live_events",
    "Live events published (one per audience), by kind.",
    ["kind"],
)


def record_socket_opened() -> None:
    """Count one more open socket."""
    SOCKETS.inc()


def record_socket_closed() -> None:
    """Count one socket fewer."""
    SOCKETS.dec()


def record_live_events(kind: str, count: int = 1) -> None:
    """Count `count` committed events of `kind`."""
    EVENTS.labels(kind=str(kind)[:_LABEL_MAX] or "unknown").inc(count)
