"""`manage.py generate_vapid_keys`: print a fresh VAPID pair for web push."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.notifications.vapid import vapid_keys_generate


class Command(BaseCommand):
    help = (
        "Print a fresh VAPID key pair (P-256, base64url) as two environment lines, "
        "VAPID_PRIVATE_KEY=… and VAPID_PUBLIC_KEY=…. Store them in your secret manager; they "
        "are not saved. Replacing a pair in use orphans every browser subscription: people "
        "must opt in to push again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        keys = vapid_keys_generate()
        self.stdout.write(f"VAPID_PRIVATE_KEY={keys.private}")
        self.stdout.write(f"VAPID_PUBLIC_KEY={keys.public}")
