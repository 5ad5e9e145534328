"""Queue housekeeping and the queue's state for /readyz and /metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError
from django.utils import timezone

from core.tasks.models import SchedulerTick
from core.tasks.queue import huey

TICK_RETENTION = timedelta(days=2)


def scheduler_ticks_prune(*, older_than: timedelta = TICK_RETENTION) -> int:
    """Delete claimed minutes older than `older_than`; returns how many went."""
    deleted, _ = SchedulerTick.objects.filter(minute__lt=timezone.now() - older_than).delete()
    return deleted


@dataclass(frozen=True)
class QueueState:
    backend: str  # "redis", "sqlite" or "inline"
    pending: int  # waiting for a worker now
    scheduled: int  # retries and delayed tasks
    last_tick_age: float | None  # seconds since a scheduler last claimed a minute


def queue_state() -> QueueState:
    """Ask the queue storage (raises when it cannot be reached) and the scheduler log."""
    if huey.immediate:
        backend = "inline"
    else:
        backend = "redis" if "Redis" in type(huey.storage).__name__ else "sqlite"
    pending = huey.pending_count()
    scheduled = huey.scheduled_count()
    try:
        last = SchedulerTick.objects.order_by("-minute").values_list("claimed_at", flat=True)[:1]
        claimed = next(iter(last), None)
    except DatabaseError:  # the database check reports that outage; the queue answered
        claimed = None
    age = round((timezone.now() - claimed).total_seconds(), 1) if claimed else None
    return QueueState(backend=backend, pending=pending, scheduled=scheduled, last_tick_age=age)
