"""`manage.py rollup_usage`: rebuild the daily usage rollup from readings, or check it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from water.billing.services.rollups import Scope, usage_check, usage_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the daily usage rollup from the stored readings (idempotent), or with --check "
        "report every rollup row that differs from its readings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--meter", type=int, help="Only this meter id.")
        parser.add_argument("--from", dest="date_from", type=date.fromisoformat)
        parser.add_argument("--to", dest="date_to", type=date.fromisoformat)
        parser.add_argument(
            "--check", action="store_true", help="Compare instead of rebuilding; exit 1 if off."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scope = Scope(
            meter_id=options["meter"], date_from=options["date_from"], date_to=options["date_to"]
        )
        if scope.date_from and scope.date_to and scope.date_from > scope.date_to:
            raise CommandError("--from is after --to.")
        if not options["check"]:
            written = usage_rebuild(scope=scope)
            self.stdout.write(f"OK: {written} daily usage rows rebuilt")
            return
        problems = usage_check(scope=scope)
        if problems:
            for line in problems:
                self.stderr.write(line)
            raise CommandError(f"{len(problems)} rollup row(s) differ from readings", returncode=1)
        self.stdout.write("OK: the rollup equals the readings")
