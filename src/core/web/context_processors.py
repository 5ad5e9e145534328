"""Values every template needs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from core.accounts.models import Membership
from core.tenancy.models import Service
from core.web.selectors import services_for

_TIMEZONE_OF_LANGUAGE = {"id": "Asia/Jakarta", "es": "America/Port_of_Spain"}


def _portal_links(request: HttpRequest) -> list[dict[str, str]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return [
        {"service": s, "label": Service(s).label, "url": reverse("web:portal", args=[s])}
        for s in services_for(actor=user)
    ]


def _display_timezone(request: HttpRequest) -> str:
    """The zone of the user's first organisation, else one that fits their language."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        zone = (
            Membership.objects.filter(user=user)
            .order_by("tenant_id")
            .values_list("tenant__timezone", flat=True)
            .first()
        )
        if zone:
            return zone
    return _TIMEZONE_OF_LANGUAGE.get(get_language() or "", "UTC")


def platform(request: HttpRequest) -> dict[str, Any]:
    """Product names, the signed-in user's portal links and their display time zone (lazy)."""
    return {
        "platform_name": "IndoWater · RoadSide+ TT",
        "portal_links": SimpleLazyObject(lambda: _portal_links(request)),
        "display_timezone": lambda: _display_timezone(request),
        "notification_unread": lambda: _unread(request),
    }


def _unread(request: HttpRequest) -> int:
    """The signed-in user's unread notifications, for the header bell."""
    from core.notifications.services import unread_count

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return unread_count(user)
