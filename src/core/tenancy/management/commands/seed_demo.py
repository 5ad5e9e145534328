"""`manage.py seed_demo`: demo organisations and logins for the embedded mode."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from core.accounts.roles import NON_STAFF_ROLES
from core.tenancy.demo import DEMO_PASSWORD, LOGINS, TENANTS, demo_seed


class Command(BaseCommand):
    help = "Create the demo tenants and logins once (idempotent) and print the logins."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_SEED_ALLOWED:
            raise CommandError("Demo data is never seeded under production settings.")
        tenants, users = demo_seed()
        names = {t.slug: t.name for t in TENANTS}
        self.stdout.write(f"Demo data: {tenants} tenants and {users} users created.")
        for path in settings.DEMO_SEEDERS:
            # Each product seeds its own demo data (idempotently) and says what it made.
            self.stdout.write(import_string(path)())
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in LOGINS:
            where = names.get(login.tenant_slug or "", "whole platform")
            mfa = "" if login.role in NON_STAFF_ROLES else "  [staff: enrol MFA at first sign-in]"
            self.stdout.write(f"  {login.email:<28} {login.role:<17} {where}{mfa}")
