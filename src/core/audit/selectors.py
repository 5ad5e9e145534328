"""Reads of the audit log, always through the acting user."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from core.accounts.roles import ADMIN_ROLES
from core.audit.models import AuditEvent
from core.errors import PermissionDenied

if TYPE_CHECKING:
    from core.accounts.models import User


def audit_event_list_for(
    *,
    actor: User,
    tenant_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Events the actor may read, newest first: all for a superadmin, own tenants for admins.

    `since` is inclusive and `until` exclusive. Another tenant's id yields no rows, exactly
    like an unknown id; platform-wide events (no tenant) are for superadmins only.
    """
    events = AuditEvent.objects.all()
    if not (actor.is_active and actor.is_superuser):
        administered = list(
            actor.memberships.filter(role__in=ADMIN_ROLES).values_list("tenant_id", flat=True)
        )
        if not actor.is_active or not administered:
            raise PermissionDenied("Only administrators may read the audit log.")
        events = events.filter(tenant_id__in=administered)
    if tenant_id is not None:
        events = events.filter(tenant_id=tenant_id)
    if action:
        events = events.filter(action=action)
    if since is not None:
        events = events.filter(created_at__gte=since)
    if until is not None:
        events = events.filter(created_at__lt=until)
    return events.order_by("-seq")
