"""The task consumer: worker threads plus a scheduler that shares the periodic jobs fairly.

Huey gives every consumer its own scheduler. `ClaimingScheduler` makes the periodic part
safe to run in many processes: each minute is claimed by inserting a `SchedulerTick` row, so
exactly one scheduler enqueues that minute's periodic jobs however many workers are up.
Retries and delayed tasks are read from the shared queue storage by every scheduler; Huey
removes each one as it is read, so those are never doubled either.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils.module_loading import autodiscover_modules
from huey.api import Huey
from huey.consumer import Consumer, Scheduler

from core.tasks.models import SchedulerTick
from core.tasks.queue import huey

logger = structlog.get_logger(__name__)


def worker_identity() -> str:
    """host:pid:random — unique per consumer even when pids repeat across containers."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def claim_minute(minute: datetime, holder: str) -> bool:
    """True when `holder` is the first to claim this minute's periodic run."""
    minute = minute.replace(second=0, microsecond=0)
    if minute.tzinfo is None:
        minute = minute.replace(tzinfo=UTC)
    try:
        with transaction.atomic():
            SchedulerTick.objects.create(minute=minute, holder=holder)
    except IntegrityError:
        return False
    return True


class ClaimingScheduler(Scheduler):
    """Huey's scheduler, enqueuing periodic jobs only for the minutes it claims."""

    holder: str = ""

    def enqueue_periodic_tasks(self, now: datetime | None) -> None:
        moment = now or self.huey._get_timestamp()
        close_old_connections()
        try:
            claimed = claim_minute(moment, self.holder)
        except Exception:
            # No database, no periodic run this minute; the next minute tries again.
            logger.exception("scheduler_claim_failed", holder=self.holder)
            return
        finally:
            close_old_connections()
        if not claimed:
            logger.debug("scheduler_minute_taken", minute=moment.isoformat())
            return
        due = self.huey.read_periodic(moment)
        for task in due:
            self.huey.enqueue(task)
        SchedulerTick.objects.filter(
            minute=moment.replace(second=0, microsecond=0, tzinfo=UTC)
        ).update(enqueued=len(due))
        close_old_connections()
        logger.info("periodic_jobs_enqueued", count=len(due), holder=self.holder)


class PlatformConsumer(Consumer):
    """A consumer whose scheduler claims minutes; signal handlers only on the main thread."""

    scheduler_class = ClaimingScheduler

    def __init__(self, huey: Huey, *, holder: str | None = None, **options: Any) -> None:
        self.holder = holder or worker_identity()
        super().__init__(huey, **options)

    def _create_scheduler(self) -> Scheduler:
        scheduler = super()._create_scheduler()
        scheduler.holder = self.holder
        return scheduler

    def _set_signal_handlers(self) -> None:
        if threading.current_thread() is threading.main_thread():
            super()._set_signal_handlers()


def consumer_options(**overrides: Any) -> dict[str, Any]:
    """Consumer options from settings.HUEY["consumer"], with overrides."""
    configured: dict[str, Any] = settings.HUEY.get("consumer", {})  # type: ignore[assignment]
    options: dict[str, Any] = dict(configured)
    options.update({key: value for key, value in overrides.items() if value is not None})
    return options


def build_consumer(**overrides: Any) -> PlatformConsumer:
    autodiscover_modules("tasks")
    return PlatformConsumer(huey, **consumer_options(**overrides))


def start_worker_threads() -> Callable[[], None]:
    """Run the consumer on threads inside this process (the embedded `serve`)."""
    consumer = build_consumer(workers=2)
    consumer.start()
    logger.info("worker_started", holder=consumer.holder, mode="in-process")

    def stop() -> None:
        consumer.stop(graceful=True)
        huey.notify_interrupted_tasks()

    return stop
