"""Test support: lift the audit table's append-only triggers for a moment.

Only tests use this: to tamper with rows on purpose, and to let pytest-django flush the
database after a `transaction=True` test (PostgreSQL refuses TRUNCATE, SQLite refuses DELETE
of audit rows). It needs the table owner's rights, which the application role should not have.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections
from django.test import TransactionTestCase

_TRIGGERS = importlib.import_module("core.audit.migrations.0002_append_only_triggers")
PG_TRIGGERS = ("audit_event_append_only", "audit_event_no_truncate")


@contextmanager
def audit_append_only_suspended(using: str = "default") -> Iterator[None]:
    """Disable (PostgreSQL) or drop and recreate (SQLite) the audit table's triggers."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in PG_TRIGGERS:
                cursor.execute(f"ALTER TABLE audit_auditevent DISABLE TRIGGER {name}")
        elif connection.vendor == "sqlite":
            for statement in _TRIGGERS.SQLITE_DOWN:
                cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for name in PG_TRIGGERS:
                    cursor.execute(f"ALTER TABLE audit_auditevent ENABLE TRIGGER {name}")
            elif connection.vendor == "sqlite":
                for statement in [*_TRIGGERS.SQLITE_DOWN, *_TRIGGERS.SQLITE_UP]:
                    cursor.execute(statement)


def flush_with_audit_triggers_suspended() -> Callable[[TransactionTestCase], None]:
    """A `TransactionTestCase._fixture_teardown` that can empty the audit table."""
    original: Callable[[TransactionTestCase], None] = TransactionTestCase._fixture_teardown  # type: ignore[attr-defined]
    if getattr(original, "audit_flushable", False):
        return original

    def teardown(self: Any) -> None:
        with _each_database(sorted(self.databases)):
            original(self)

    teardown.audit_flushable = True  # type: ignore[attr-defined]
    return teardown


@contextmanager
def _each_database(aliases: list[str]) -> Iterator[None]:
    if not aliases:
        yield
        return
    with audit_append_only_suspended(aliases[0]), _each_database(aliases[1:]):
        yield
