"""Read replica routing: reads go to "replica" only where code asks for it.

Report and dashboard code wraps its queries in `use_replica()`; everything else, and every
write, stays on "default". Inside a transaction on "default" reads stay there too, so a
report never misses rows its own transaction wrote (or that replication has not shipped).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_prefer_replica: ContextVar[bool] = ContextVar("prefer_replica", default=False)


@contextmanager
def use_replica() -> Iterator[None]:
    """Route the reads made inside this block to the replica, when one is configured."""
    token = _prefer_replica.set(True)
    try:
        yield
    finally:
        _prefer_replica.reset(token)


def replica_configured() -> bool:
    """Whether settings name a "replica" database."""
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Django database router: see the module docstring for the rules."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if not _prefer_replica.get() or not replica_configured():
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # Both aliases hold the same data, so objects read from either may be related.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # The replica follows the primary by replication; migrations run on the primary only.
        return db != REPLICA
