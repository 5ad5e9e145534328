"""Reading a user's own notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from core.accounts.models import User
from core.errors import NotFound
from core.notifications.models import Notification


def notification_list_for(*, actor: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The actor's in-app notifications, newest first."""
    rows = Notification.objects.filter(user=actor, in_app=True)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-id")


def notification_get_for(*, actor: User, notification_id: int) -> Notification:
    """One of the actor's notifications with its deliveries; anyone else's answers 404."""
    row = (
        Notification.objects.filter(pk=notification_id, user=actor)
        .prefetch_related("deliveries")
        .first()
    )
    if row is None:
        raise NotFound("Notification not found.")
    return row
