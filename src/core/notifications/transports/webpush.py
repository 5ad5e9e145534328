"""Web push (RFC 8030, payload encrypted per RFC 8291, VAPID per RFC 8292) through pywebpush.

One notification goes to every browser the user subscribed. A push service answering 404 or
410 means the subscription is gone: the row is deleted. The delivery succeeds when at least
one browser accepted it; when none did, it is retried if any refusal was temporary.

Retry safety: browsers that accepted the push on a failed attempt are sent it again on the
retry (nothing records them per Delivery), so a person may see a duplicate; losing a push
would be worse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import requests
import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from pywebpush import WebPushException, webpush

from core.accounts.models import User
from core.errors import NotFound
from core.notifications.models import Channel, PushSubscription
from core.notifications.transports.base import (
    NothingToDeliver,
    Outbound,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from core.notifications.vapid import VapidKeyError, vapid_keys_from_settings

logger = structlog.get_logger(__name__)

TTL = 24 * 3600  # seconds a push service keeps an undelivered message
URGENT_TTL = 3600
TIMEOUT = 10
GONE = frozenset({404, 410})


def push_payload(message: Outbound) -> str:
    """What the service worker receives: the JSON it shows as a notification."""
    return json.dumps(
        {"title": message.title, "body": message.text, "url": message.link, "event": message.event},
        ensure_ascii=False,
        separators=(",", ":"),
    )


@dataclass(frozen=True)
class _Outcome:
    """How one subscription answered: accepted (with the Location), gone, or refused."""

    accepted: bool = False
    location: str = ""
    gone: bool = False
    transient: bool = False
    error: str = ""


def _push_one(
    subscription: PushSubscription, *, data: str, private_key: str, urgent: bool
) -> _Outcome:
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    try:
        response = webpush(
            info,
            data=data,
            vapid_private_key=private_key,
            # pywebpush writes aud and exp into this dict: a fresh one per endpoint.
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=URGENT_TTL if urgent else TTL,
            headers={"Urgency": "high" if urgent else "normal"},
            timeout=TIMEOUT,
        )
    except WebPushException as exc:
        status = exc.status_code
        if status is None:
            return _Outcome(error=f"push refused before sending: {exc.message}")
        if status in GONE:
            return _Outcome(gone=True, error=f"push service {status}")
        if status == 429 or status >= 500:
            return _Outcome(transient=True, error=f"push service {status}")
        return _Outcome(error=f"push service {status}")
    except requests.RequestException as exc:
        return _Outcome(transient=True, error=f"push service unreachable: {type(exc).__name__}")
    except ValueError as exc:  # malformed subscription keys (http_ece, cryptography)
        return _Outcome(error=f"subscription keys unusable: {exc}")
    location = response.headers.get("Location", "") if not isinstance(response, str) else ""
    return _Outcome(accepted=True, location=location)


def _record(subscription: PushSubscription, outcome: _Outcome, *, delivery_id: int) -> None:
    rows = PushSubscription.objects.filter(pk=subscription.pk)
    if outcome.accepted:
        rows.update(last_success_at=timezone.now(), failures=0)
    elif outcome.gone:
        rows.delete()
        logger.info(
            "push_subscription_pruned", subscription_id=subscription.pk, reason=outcome.error
        )
    else:
        rows.update(failures=F("failures") + 1)
        log = logger.warning if outcome.transient else logger.info
        log(
            "push_refused",
            delivery_id=delivery_id,
            subscription_id=subscription.pk,
            reason=outcome.error,
        )


class WebPushTransport:
    """The push channel: every PushSubscription of the user."""

    channel = Channel.PUSH.value

    def send(self, message: Outbound) -> str:
        subscriptions = list(PushSubscription.objects.filter(user=message.user).order_by("pk"))
        if not subscriptions:
            raise NothingToDeliver("the user has no push subscription")
        try:
            keys = vapid_keys_from_settings()
        except VapidKeyError as exc:
            raise PermanentDeliveryError(str(exc), provider_code="vapid_invalid") from exc
        if keys is None:
            raise PermanentDeliveryError(
                "web push is not configured", provider_code="vapid_missing"
            )
        data = push_payload(message)
        outcomes = []
        for subscription in subscriptions:
            outcome = _push_one(
                subscription, data=data, private_key=keys.private, urgent=message.urgent
            )
            _record(subscription, outcome, delivery_id=message.delivery_id)
            outcomes.append(outcome)
        accepted = [o for o in outcomes if o.accepted]
        if accepted:
            return accepted[0].location
        summary = "; ".join(o.error for o in outcomes)
        if any(o.transient for o in outcomes):
            raise TransientDeliveryError(summary, provider_code="push_unavailable")
        if all(o.gone for o in outcomes):
            raise PermanentDeliveryError(summary, provider_code="subscriptions_gone")
        raise PermanentDeliveryError(summary, provider_code="push_refused")


# ---------------------------------------------------------------------------- subscriptions


def push_subscription_list_for(*, actor: User) -> QuerySet[PushSubscription]:
    """The caller's own browsers, newest first."""
    return PushSubscription.objects.filter(user=actor).order_by("-created_at", "-pk")


@transaction.atomic
def push_subscription_save(
    *, actor: User, endpoint: str, p256dh: str, auth: str, user_agent: str
) -> tuple[PushSubscription, bool]:
    """Upsert by endpoint; an endpoint subscribed again by another user moves to them.

    Returns the row and whether it was created.
    """
    subscription, created = PushSubscription.objects.select_for_update().update_or_create(
        endpoint=endpoint,
        defaults={
            "user": actor,
            "p256dh": p256dh,
            "auth": auth,
            "user_agent": user_agent[:300],
            "failures": 0,
        },
    )
    logger.info("push_subscription_saved", subscription_id=subscription.pk, created=created)
    return subscription, created


def push_subscription_delete(*, actor: User, subscription_id: int) -> None:
    """Delete one of the caller's subscriptions; another user's answers NotFound."""
    deleted, _ = PushSubscription.objects.filter(pk=subscription_id, user=actor).delete()
    if not deleted:
        raise NotFound("Not found.")
