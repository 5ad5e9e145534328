"""`manage.py audit_verify`: walk the audit hash chain and name the first broken row."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.audit.services import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Recompute every audit event's hash in sequence order. Exits 0 with "
        "'OK: N events verified', or exits 1 naming the first broken row (seq, id, reason)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify()
        if not report.ok:
            row_id = report.broken_id if report.broken_id is not None else "none (row missing)"
            raise CommandError(
                f"BROKEN at seq {report.broken_seq} (id {row_id}): {report.reason}; "
                f"{report.checked} events verified before it."
            )
        self.stdout.write(f"OK: {report.checked} events verified")
