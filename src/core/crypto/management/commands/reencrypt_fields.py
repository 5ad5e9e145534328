"""`manage.py reencrypt_fields`: re-seal stored personal data under the active key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.crypto.services import field_values_reencrypt


class Command(BaseCommand):
    help = (
        "Re-seal every EncryptedTextField value that is not under the active key id. "
        "Key rotation: (1) `manage.py generate_field_key NEWID` prints a ring entry; "
        "(2) put it first in FIELD_ENCRYPTION_KEYS, keeping the old keys after it; "
        "(3) deploy; (4) run this command (batches of --batch-size rows, one transaction "
        "each, rows locked); (5) when `--dry-run` reports 0 to re-encrypt, remove the old "
        "key from the ring. Running it twice is safe: the second run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the values to re-seal; change nothing."
        )
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Rows per transaction (default 500)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        report = field_values_reencrypt(
            batch_size=options["batch_size"], dry_run=options["dry_run"]
        )
        verb = "to re-encrypt" if report.dry_run else "re-encrypted"
        for item in report.models:
            self.stdout.write(
                f"{item.label}: {item.reencrypted} {verb}, {item.current} already current, "
                f"{len(item.failed)} failed"
            )
        self.stdout.write(
            f"Total: {report.reencrypted} values {verb} under key {report.active_key_id}"
            + (" (dry run, nothing changed)" if report.dry_run else "")
        )
        if report.failed:
            raise CommandError(
                "Values that could not be opened (is their key missing from the ring?):\n"
                + "\n".join(report.failed)
            )
