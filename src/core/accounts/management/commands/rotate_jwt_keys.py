"""`manage.py rotate_jwt_keys [--overlap-minutes N]`: start signing with a new RSA key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.accounts.services.tokens import jwt_keys_rotate


class Command(BaseCommand):
    help = (
        "Create a new active JWT signing key and retire the current one. Retired keys keep "
        "verifying (and stay in the JWKS) for the overlap, then are pruned (audited)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        default = int(settings.JWT_KEY_OVERLAP.total_seconds() // 60)
        parser.add_argument(
            "--overlap-minutes",
            type=int,
            default=default,
            help=f"How long retired keys still verify tokens (default {default}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        minutes = options["overlap_minutes"]
        if minutes < 0:
            raise CommandError("--overlap-minutes must be zero or more.")
        overlap = timedelta(minutes=minutes)
        kid = jwt_keys_rotate(overlap=overlap)
        self.stdout.write(f"New signing key {kid}; previous keys verify for {minutes} minutes.")
        if overlap < settings.JWT_ACCESS_TTL:
            self.stderr.write(
                "Warning: the overlap is shorter than the access-token lifetime; tokens signed "
                "just before the rotation will be refused before they expire."
            )
