"""The task queue: one Huey instance (Redis in production, SQLite embedded, inline in tests).

Rules every task follows (docs/architecture.md, "Background work"):
- it takes ids and plain values, never model instances, and reloads what it needs;
- running it twice does no harm (a retry after a crash must not double anything);
- it is enqueued after the caller's transaction commits (`enqueue_on_commit`), so a worker
  never looks for a row that is not there yet, and a rollback enqueues nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import close_old_connections, transaction
from huey.api import Huey, TaskWrapper
from huey.contrib.djhuey import HUEY

huey: Huey = HUEY

DEFAULT_RETRIES = 5
DEFAULT_RETRY_DELAY = 10  # seconds before the first retry; doubles each time (10, 20, 40…)
RETRY_BACKOFF = 2


def _with_fresh_connections[**P, R](fn: Callable[P, R]) -> Callable[P, R]:
    """Drop stale database connections around a task run on a long-lived worker thread."""

    @wraps(fn)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        if not huey.immediate:
            close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            if not huey.immediate:
                close_old_connections()

    return inner


def background(
    *,
    retries: int = DEFAULT_RETRIES,
    retry_delay: int = DEFAULT_RETRY_DELAY,
    name: str | None = None,
    priority: int | None = None,
) -> Callable[[Callable[..., Any]], TaskWrapper]:
    """Declare a background task that retries with exponential back-off.

    The name defaults to ``module.function`` so queued messages survive a refactor only when
    the name is pinned; pass `name=` for tasks that may sit in a queue across deploys.
    """

    def decorator(fn: Callable[..., Any]) -> TaskWrapper:
        wrapper: TaskWrapper = huey.task(
            retries=retries,
            retry_delay=retry_delay,
            retry_backoff=RETRY_BACKOFF,
            priority=priority,
            name=name or f"{fn.__module__}.{fn.__name__}",
        )(_with_fresh_connections(fn))
        wrapper.call_local = fn
        return wrapper

    return decorator


def enqueue_on_commit(task: TaskWrapper, *args: Any, **kwargs: Any) -> None:
    """Queue `task(*args)` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: task(*args, **kwargs))
