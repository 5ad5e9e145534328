"""Notifications API: the caller's in-app centre, read state, preferences and push devices.

No ``from __future__ import annotations`` here: ninja reads the handler annotations at import.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from core.accounts.models import User
from core.accounts.permissions import access
from core.api.schemas import Page, PageIn, page_of
from core.errors import NotFound
from core.notifications import schemas, selectors, services
from core.notifications.push_api import router as push_router

router = Router(tags=["notifications"])
router.add_router("", push_router)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.get(
    "/notifications",
    response=Page[schemas.NotificationOut],
    summary="The caller's notifications, newest first",
)
@access(authenticated=True)
def notification_list(
    request: HttpRequest, page: Query[PageIn], unread: bool = False
) -> dict[str, Any]:
    rows = selectors.notification_list_for(actor=_user(request), unread_only=unread)
    return page_of(rows, page)


@router.get(
    "/notifications/unread-count",
    response=schemas.UnreadOut,
    summary="How many of the caller's notifications are unread",
)
@access(authenticated=True)
def notification_unread_count(request: HttpRequest) -> dict[str, int]:
    return {"unread": services.unread_count(_user(request))}


@router.post(
    "/notifications/read-all",
    response=schemas.MarkedOut,
    summary="Mark every notification read",
)
@access(authenticated=True)
def notification_mark_all_read(request: HttpRequest) -> dict[str, int]:
    return {"updated": services.mark_all_read(user=_user(request))}


@router.get(
    "/notifications/{notification_id}",
    response=schemas.NotificationDetailOut,
    summary="One notification with its delivery log (channel, status, attempts, provider id)",
)
@access(authenticated=True)
def notification_detail(request: HttpRequest, notification_id: int) -> Any:
    row = selectors.notification_get_for(actor=_user(request), notification_id=notification_id)
    row.delivery_log = list(row.deliveries.all())  # type: ignore[attr-defined]
    return row


@router.post(
    "/notifications/{notification_id}/read",
    response=schemas.UnreadOut,
    summary="Mark one notification read",
)
@access(authenticated=True)
def notification_mark_read(request: HttpRequest, notification_id: int) -> dict[str, int]:
    user = _user(request)
    if not services.mark_read(user=user, notification_id=notification_id):
        raise NotFound("Notification not found.")
    return {"unread": services.unread_count(user)}


def _grid(user: User) -> list[services.PreferenceCell]:
    return [cell for row in services.preferences_grid(user) for cell in row]


@router.get(
    "/notification-preferences",
    response=list[schemas.PreferenceOut],
    summary="Which channels are on for each category of message",
)
@access(authenticated=True)
def preference_list(request: HttpRequest) -> list[services.PreferenceCell]:
    return _grid(_user(request))


@router.put(
    "/notification-preferences",
    response=list[schemas.PreferenceOut],
    summary="Turn channels on or off per category (all or nothing)",
)
@access(authenticated=True)
def preference_update(
    request: HttpRequest, payload: schemas.PreferencesIn
) -> list[services.PreferenceCell]:
    user = _user(request)
    choices = {(p.category, p.channel): p.enabled for p in payload.preferences}
    services.preferences_set(user=user, choices=choices)
    return _grid(user)
