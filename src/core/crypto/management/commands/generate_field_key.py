"""`manage.py generate_field_key KID`: print a new field-encryption key ring entry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.crypto.keyring import KeyRingError, current_keyring, new_key_text


class Command(BaseCommand):
    help = (
        "Print a fresh AES-256 ring entry 'KID:base64key' on stdout. To rotate, put it first "
        "in FIELD_ENCRYPTION_KEYS (e.g. 'KID:new,k1:old'), deploy, then run "
        "`manage.py reencrypt_fields`; remove the old key once `reencrypt_fields --dry-run` "
        "reports 0 to re-encrypt. Store the entry in your secret manager; it is not saved."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kid", help="New key id: ASCII letters and digits, unused in the ring.")

    def handle(self, *args: Any, **options: Any) -> None:
        kid: str = options["kid"]
        if kid in current_keyring().keys:
            raise CommandError(f"Key id {kid!r} is already in the ring; choose a new one.")
        try:
            entry = new_key_text(kid)
        except KeyRingError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(entry)
