"""`manage.py platform_admin grant|revoke EMAIL`: audited changes of the superadmin flag."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.accounts.models import User, normalise_email
from core.accounts.services.platform import platform_admin_set


class Command(BaseCommand):
    help = "Grant or revoke platform superadmin for an existing user (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["grant", "revoke"])
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=normalise_email(options["email"])).first()
        if user is None:
            raise CommandError(f"No user with email {options['email']}.")
        changed = platform_admin_set(actor=None, user=user, grant=options["action"] == "grant")
        state = "is" if user.is_superuser else "is not"
        verb = "Changed" if changed else "Unchanged"
        self.stdout.write(f"{verb}: {user.email} {state} a platform superadmin.")
