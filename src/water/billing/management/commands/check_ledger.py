"""`manage.py check_ledger`: prove every balance equals the sum of its ledger entries."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from water.billing.services.ledger_check import ledger_check


class Command(BaseCommand):
    help = "Check that every prepaid balance equals the running sum of its ledger entries."

    def handle(self, *args: Any, **options: Any) -> None:
        report = ledger_check()
        if report.problems:
            for line in report.problems:
                self.stderr.write(line)
            raise CommandError(
                f"{len(report.problems)} problem(s) in {report.accounts} accounts", returncode=1
            )
        self.stdout.write(f"OK: {report.accounts} accounts, {report.entries} entries")
