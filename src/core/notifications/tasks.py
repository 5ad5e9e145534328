"""Delivering one notification over one channel, on the task queue.

`deliver(delivery_id)` is safe to run twice and concurrently: it claims the delivery with a
conditional update (a second worker finds it claimed or finished and stops), sends outside
any transaction, then records the outcome. Transient failures are retried with exponential
back-off (30 s, 60 s, 120 s …); after the last attempt the delivery is marked failed and
reported (an error log line, which reaches Sentry, and the failed counter on /metrics).
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from django.db.models import F
from django.utils import timezone

from core.notifications.events import Attachment, event_get
from core.notifications.metrics import DELIVERIES
from core.notifications.models import Channel, Delivery, DeliveryStatus
from core.notifications.rendering import absolute, email_render, language_of, message_render
from core.notifications.transports import transport_for
from core.notifications.transports.base import DeliveryError, NothingToDeliver, Outbound
from core.tasks.queue import background

logger = structlog.get_logger(__name__)

RETRIES = 5
MAX_ATTEMPTS = RETRIES + 1
CLAIM_FOR = timedelta(minutes=2)


def _claim(delivery_id: int) -> Delivery | None:
    """Take the delivery for this worker, or None when it is finished or someone has it."""
    now = timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.QUEUED)
        .exclude(claimed_until__gt=now)
        .update(claimed_until=now + CLAIM_FOR, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("notification__user").get(pk=delivery_id)


def outbound_for(delivery: Delivery) -> Outbound:
    notification = delivery.notification
    user = notification.user
    event = event_get(notification.event)
    language = language_of(user)
    html = ""
    attachments: tuple[Attachment, ...] = ()
    if delivery.channel == Channel.EMAIL:
        email = email_render(event, user, notification.context, notification.link)
        title, text, html = email.subject, email.text, email.html
        if event.email_attachments is not None:
            # Built now, from the stored context: files are never kept with the notification.
            attachments = tuple(event.email_attachments(notification.context, language))
    else:
        message = message_render(event, user, notification.context)
        title, text = message.title, message.body
    return Outbound(
        delivery_id=delivery.pk,
        event=notification.event,
        user=user,
        language=language,
        title=title,
        text=text,
        html=html,
        link=absolute(notification.link),
        urgent=event.urgent,
        attachments=attachments,
    )


def _finish(delivery: Delivery, status: str, **fields: object) -> None:
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(status=status, claimed_until=None, **fields)
    logger.info(
        "notification_delivery",
        delivery_id=delivery.pk,
        channel=delivery.channel,
        status=status,
        attempts=delivery.attempts,
        at=now.isoformat(),
    )


@background(retries=RETRIES, retry_delay=30, name="notifications.deliver")
def deliver(delivery_id: int) -> str:
    """Send one delivery; returns its final or current status."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return "not-claimed"
    if not delivery.notification.user.is_active:
        _finish(delivery, DeliveryStatus.SKIPPED, last_error="account deactivated")
        DELIVERIES.labels(channel=delivery.channel, outcome="skipped").inc()
        return DeliveryStatus.SKIPPED
    try:
        provider_id = transport_for(delivery.channel).send(outbound_for(delivery))
    except NothingToDeliver as exc:
        _finish(delivery, DeliveryStatus.SKIPPED, last_error=str(exc)[:500])
        DELIVERIES.labels(channel=delivery.channel, outcome="skipped").inc()
        return DeliveryStatus.SKIPPED
    except Exception as exc:
        retry = exc.retry if isinstance(exc, DeliveryError) else True
        code = getattr(exc, "provider_code", "")
        error = f"{code + ': ' if code else ''}{exc}"[:1000]
        if retry and delivery.attempts < MAX_ATTEMPTS:
            Delivery.objects.filter(pk=delivery.pk).update(claimed_until=None, last_error=error)
            DELIVERIES.labels(channel=delivery.channel, outcome="retry").inc()
            logger.warning(
                "notification_delivery_retry",
                delivery_id=delivery.pk,
                channel=delivery.channel,
                attempt=delivery.attempts,
                error=error,
            )
            raise  # the queue retries with back-off
        _finish(delivery, DeliveryStatus.FAILED, last_error=error)
        DELIVERIES.labels(channel=delivery.channel, outcome="failed").inc()
        logger.error(
            "notification_delivery_failed",
            delivery_id=delivery.pk,
            channel=delivery.channel,
            notification_event=delivery.notification.event,
            attempts=delivery.attempts,
            error=error,
        )
        return DeliveryStatus.FAILED
    _finish(
        delivery,
        DeliveryStatus.SENT,
        provider_id=provider_id[:200],
        sent_at=timezone.now(),
        last_error="",
    )
    DELIVERIES.labels(channel=delivery.channel, outcome="sent").inc()
    return DeliveryStatus.SENT
