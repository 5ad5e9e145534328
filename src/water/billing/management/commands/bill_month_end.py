"""`manage.py bill_month_end [--month YYYY-MM]`: bill minimum charges (idempotent)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from water.billing.services.month_end import minimum_charges_bill


def _month(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 - a calendar month
    except ValueError as exc:
        raise CommandError(f"--month must look like 2026-03, not {value!r}") from exc


class Command(BaseCommand):
    help = "Top each account's month up to its tariff's minimum charge (default: last month)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM (default: each client's previous month)")

    def handle(self, *args: Any, **options: Any) -> None:
        month = _month(options["month"]) if options.get("month") else None
        billed = minimum_charges_bill(month=month)
        self.stdout.write(f"{billed} minimum charge(s) billed")
