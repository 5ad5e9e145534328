"""Run reconciliation now, or print the mismatch report as CSV.

manage.py payments_reconcile                       # inquire, settle, expire, retry refunds
manage.py payments_reconcile --report --from 2026-11-01 --to 2026-12-01 [--ask-gateway]
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.payments.services import payments_reconcile, reconciliation_report

COLUMNS = (
    "reference",
    "kind",
    "gateway",
    "state",
    "expected_minor",
    "ledger_minor",
    "gateway_status",
    "detail",
    "at",
)


def _day(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = "Settle or expire open payments by asking the gateways; --report lists mismatches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--report", action="store_true")
        parser.add_argument("--from", dest="date_from")
        parser.add_argument("--to", dest="date_to")
        parser.add_argument("--tenant", type=int)
        parser.add_argument("--ask-gateway", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["report"]:
            result = payments_reconcile()
            self.stdout.write(
                f"checked {result.checked}, settled {result.settled}, expired {result.expired}, "
                f"still open {result.unchanged}, refunds retried {result.refunds_retried}, "
                f"errors {result.errors}"
            )
            return
        if not options["date_from"] or not options["date_to"]:
            raise CommandError("--report needs --from and --to.")
        rows = reconciliation_report(
            date_from=_day(options["date_from"]),
            date_to=_day(options["date_to"]),
            tenant_id=options["tenant"],
            ask_gateway=options["ask_gateway"],
        )
        writer = csv.writer(self.stdout)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([getattr(row, column) for column in COLUMNS])
