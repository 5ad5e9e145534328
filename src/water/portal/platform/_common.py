"""What every platform page shares: who may see it, the frame, and list pagination."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

from core.accounts.models import User
from water.portal.shell import PLATFORM, shell

PLATFORM_TZ = "Asia/Jakarta"


def actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def frame(request: HttpRequest, section: str, **context: Any) -> dict[str, Any]:
    """The platform frame's context plus the page's own values."""
    return {**shell(actor(request), area=PLATFORM, section=section), "tz": PLATFORM_TZ, **context}


def page_of(request: HttpRequest, items: Any, per_page: int) -> Page[Any]:
    """One page of `items`; a page number out of range shows the last page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
