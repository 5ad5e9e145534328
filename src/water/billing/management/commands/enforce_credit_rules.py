"""`manage.py enforce_credit_rules`: queue the closes friendly credit postponed (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from water.billing.services.month_end import credit_rules_enforce


class Command(BaseCommand):
    help = "Queue valve closes for exhausted accounts once friendly credit no longer holds."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = credit_rules_enforce()
        self.stdout.write(f"{queued} valve close(s) queued")
