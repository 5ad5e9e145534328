"""notify() and everything a person does with their notifications.

`notify(user, event, context)` is the one call every part of the platform makes. Inside the
caller's transaction it stores the notification, rendered in the user's language, and one
`Delivery` per external channel the user has on and the event allows. After commit it queues
each delivery on the task queue and pushes the in-app copy to the user's open pages. A rollback
therefore sends nothing, and a retried caller with a `dedupe_key` is told once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.accounts.models import User
from core.notifications import events as catalogue
from core.notifications.errors import PreferenceError
from core.notifications.events import EventType, event_get
from core.notifications.metrics import NOTIFICATIONS
from core.notifications.models import (
    EXTERNAL_CHANNELS,
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    Preference,
)
from core.notifications.rendering import message_render
from core.tenancy.models import Tenant

logger = structlog.get_logger(__name__)


def _preferences(user: User) -> dict[tuple[str, str], bool]:
    return {
        (category, channel): enabled
        for category, channel, enabled in Preference.objects.filter(user=user).values_list(
            "category", "channel", "enabled"
        )
    }


def channels_for(user: User, event: EventType) -> set[str]:
    """The channels this event goes out on for this user.

    Required channels always; others as the user chose for the event's category, or the
    event's default when they never chose. SMS needs a phone number on the account.
    """
    chosen = _preferences(user)
    channels = set(event.required)
    for channel in event.channels:
        if channel in event.required:
            continue
        if chosen.get((event.category, channel), channel in event.defaults):
            channels.add(channel)
    if Channel.SMS in channels and not user.phone:
        channels.discard(Channel.SMS)
    return channels


def notify(
    user: User,
    event: str,
    context: dict[str, Any] | None = None,
    *,
    tenant: Tenant | None = None,
    link: str = "",
    dedupe_key: str | None = None,
) -> Notification | None:
    """Tell `user` about `event`; returns the notification, or None when no channel is on.

    `context` must be JSON-safe and hold no secrets (it is stored); money as
    ``{"minor": int, "currency": "IDR"}``, moments as ISO strings under keys ending in
    ``_at``. `link` is a path or URL the message points to. The same `dedupe_key` for the
    same user and event returns the existing notification instead of a second one.
    """
    spec = event_get(event)
    context = dict(context or {})
    if not user.is_active:
        return None
    channels = channels_for(user, spec)
    if not channels:
        return None
    if dedupe_key is not None:
        existing = Notification.objects.filter(
            user=user, event=event, dedupe_key=dedupe_key
        ).first()
        if existing is not None:
            return existing
    message = message_render(spec, user, context)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user,
                tenant=tenant,
                event=event,
                category=spec.category,
                title=message.title[:200],
                body=message.body,
                link=link,
                context=context,
                in_app=Channel.IN_APP in channels,
                dedupe_key=dedupe_key,
            )
            deliveries = Delivery.objects.bulk_create(
                [
                    Delivery(notification=notification, channel=channel)
                    for channel in EXTERNAL_CHANNELS
                    if channel in channels
                ]
            )
    except IntegrityError:
        # A concurrent caller with the same dedupe key won the race: theirs is the one.
        return Notification.objects.get(user=user, event=event, dedupe_key=dedupe_key)
    NOTIFICATIONS.labels(event=event).inc()
    delivery_ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: _after_commit(notification, delivery_ids))
    return notification


def notify_many(
    users: Iterable[User], event: str, context: dict[str, Any] | None = None, **options: Any
) -> list[Notification]:
    """notify() each user; the ones with every channel off are left out of the result."""
    sent = [notify(user, event, context, **options) for user in users]
    return [notification for notification in sent if notification is not None]


def _after_commit(notification: Notification, delivery_ids: list[int]) -> None:
    from core.notifications.tasks import deliver

    for delivery_id in delivery_ids:
        deliver(delivery_id)
    if notification.in_app:
        publish_in_app(notification)


def publish_in_app(notification: Notification) -> None:
    """Push the new notification and the unread count to the user's open pages."""
    from core.realtime.services import publish

    publish(
        "notification",
        {
            "id": notification.pk,
            "event": notification.event,
            "title": notification.title,
            "body": notification.body,
            "link": notification.link,
            "unread": unread_count(notification.user),
        },
        users=[notification.user_id],
    )


# In-app centre ------------------------------------------------------------------------------


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, in_app=True, read_at__isnull=True).count()


def mark_read(*, user: User, notification_id: int) -> bool:
    """Mark one of the user's notifications read; False when it is not theirs or not there."""
    updated = Notification.objects.filter(
        pk=notification_id, user=user, in_app=True, read_at__isnull=True
    ).update(read_at=timezone.now())
    exists = updated or Notification.objects.filter(pk=notification_id, user=user).exists()
    if updated:
        _publish_unread(user)
    return bool(exists)


def mark_all_read(*, user: User) -> int:
    updated = Notification.objects.filter(user=user, in_app=True, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if updated:
        _publish_unread(user)
    return updated


def _publish_unread(user: User) -> None:
    from core.realtime.services import publish

    count = unread_count(user)
    transaction.on_commit(lambda: publish("notification.read", {"unread": count}, users=[user.pk]))


# Preferences --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreferenceCell:
    category: str
    channel: str
    available: bool  # some event of the category may use the channel
    required: bool  # always on, cannot be turned off
    enabled: bool


def preferences_grid(user: User) -> list[list[PreferenceCell]]:
    """One row per category in use, one cell per channel (email, SMS, push, in-app)."""
    chosen = _preferences(user)
    rows: list[list[PreferenceCell]] = []
    for category in catalogue.categories_in_use():
        available = catalogue.channels_of(category)
        required = catalogue.required_of(category)
        row = []
        for channel in Channel.values:
            on = channel in required or chosen.get(
                (category, channel), catalogue.default_of(category, channel)
            )
            row.append(
                PreferenceCell(
                    category=category,
                    channel=channel,
                    available=channel in available,
                    required=channel in required,
                    enabled=bool(on and channel in available),
                )
            )
        rows.append(row)
    return rows


def preferences_set(*, user: User, choices: dict[tuple[str, str], bool]) -> int:
    """Store the user's choices; all or nothing. Returns how many rows changed."""
    known = set(catalogue.categories_in_use())
    for (category, channel), enabled in choices.items():
        if category not in known:
            raise PreferenceError(f"Unknown category {category!r}.")
        if channel not in catalogue.channels_of(category):
            raise PreferenceError(f"Category {category!r} has no channel {channel!r}.")
        if not enabled and channel in catalogue.required_of(category):
            raise PreferenceError(f"{category}/{channel} is required and cannot be turned off.")
    changed = 0
    with transaction.atomic():
        for (category, channel), enabled in choices.items():
            Preference.objects.update_or_create(
                user=user, category=category, channel=channel, defaults={"enabled": enabled}
            )
            changed += 1
    return changed


# Delivery log housekeeping ------------------------------------------------------------------

STALE_AFTER = timedelta(minutes=15)


def deliveries_requeue_stale(*, older_than: timedelta = STALE_AFTER) -> int:
    """Queue again deliveries still waiting long after they were created.

    A queue flushed or lost (a Redis failover) must not lose a message: the delivery rows
    are the truth, the queue is only a means. Returns how many were queued again.
    """
    from core.notifications.tasks import deliver

    now = timezone.now()
    # Unclaimed, or claimed by a worker whose claim ran out: the same rule as the claim.
    stale = list(
        Delivery.objects.filter(status=DeliveryStatus.QUEUED, updated_at__lt=now - older_than)
        .exclude(claimed_until__gt=now)
        .values_list("pk", flat=True)[:1000]
    )
    for delivery_id in stale:
        deliver(delivery_id)
    if stale:
        logger.warning("deliveries_requeued", count=len(stale))
    return len(stale)
