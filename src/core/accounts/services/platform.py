"""Granting and removing the platform superadmin flag."""

from __future__ import annotations

from django.db import transaction

from core.accounts.models import User
from core.audit import actions
from core.audit.services import audit_record


def platform_admin_set(*, actor: User | None, user: User, grant: bool) -> bool:
    """Make `user` a platform superadmin or remove it; returns whether anything changed.

    `actor` is None when an operator runs the management command on the server.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_superuser == grant:
            return False
        locked.is_superuser = grant
        locked.is_staff = grant
        locked.save(update_fields=["is_superuser", "is_staff"])
        audit_record(
            action=actions.PLATFORM_ADMIN_CHANGED,
            actor=actor,
            actor_email="" if actor else "operator@console",
            target=locked,
            data={"granted": grant, "email": locked.email},
        )
    user.is_superuser = user.is_staff = grant
    return True
