"""The notification centre, the header bell and the preferences page.

The list and the bell refresh themselves when a live `notification` event reaches the page
(htmx `hx-trigger="live:notification from:body"`), so new messages appear without a reload.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.accounts.models import User
from core.accounts.permissions import access
from core.notifications import events as catalogue
from core.notifications import selectors, services
from core.notifications.errors import PreferenceError
from core.notifications.models import Channel

PAGE_SIZE = 20


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@access(authenticated=True)
@never_cache
@require_http_methods(["GET"])
def centre_view(request: HttpRequest) -> HttpResponse:
    """Every in-app notification, newest first; `?unread=1` keeps the unread ones."""
    unread_only = request.GET.get("unread") == "1"
    if _is_htmx(request):
        return _list_fragment(request, unread_only=unread_only, page=request.GET.get("page"))
    context = _list_context(request, unread_only=unread_only, page=request.GET.get("page"))
    return render(request, "notifications/centre.html", {**context, "section": "notifications"})


@access(authenticated=True)
@never_cache
@require_http_methods(["GET"])
def bell_view(request: HttpRequest) -> HttpResponse:
    """The header bell with the unread count (refreshed live)."""
    return render(
        request, "notifications/_bell.html", {"unread": services.unread_count(_user(request))}
    )


@access(authenticated=True)
@require_POST
def mark_read_view(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one read, then follow its link (`?open=1`) or go back to the list."""
    user = _user(request)
    if not services.mark_read(user=user, notification_id=notification_id):
        raise Http404
    if request.POST.get("open") == "1":
        row = selectors.notification_get_for(actor=user, notification_id=notification_id)
        if row.link.startswith("/") and not row.link.startswith("//"):
            return redirect(row.link)
    if _is_htmx(request):
        return _list_fragment(request)
    return redirect("notifications:centre")


def _list_context(request: HttpRequest, *, unread_only: bool, page: str | None) -> dict[str, Any]:
    user = _user(request)
    rows = selectors.notification_list_for(actor=user, unread_only=unread_only)
    return {
        "page": Paginator(rows, PAGE_SIZE).get_page(page),
        "unread_only": unread_only,
        "unread": services.unread_count(user),
    }


def _list_fragment(
    request: HttpRequest, *, unread_only: bool = False, page: str | None = None
) -> HttpResponse:
    """The list alone, for htmx to swap in."""
    context = _list_context(request, unread_only=unread_only, page=page)
    return render(request, "notifications/_list.html", context)


@access(authenticated=True)
@require_POST
def mark_all_read_view(request: HttpRequest) -> HttpResponse:
    updated = services.mark_all_read(user=_user(request))
    if _is_htmx(request):
        return _list_fragment(request)
    if updated:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:centre")


def _choices_from(request: HttpRequest) -> dict[tuple[str, str], bool]:
    """Every available, optional cell of the grid: checked boxes are on, the others off."""
    choices: dict[tuple[str, str], bool] = {}
    for row in services.preferences_grid(_user(request)):
        for cell in row:
            if cell.available and not cell.required:
                name = f"{cell.category}:{cell.channel}"
                choices[(cell.category, cell.channel)] = request.POST.get(name) == "on"
    return choices


@access(authenticated=True)
@never_cache
@require_http_methods(["GET", "POST"])
def preferences_view(request: HttpRequest) -> HttpResponse:
    """Channels per category of message, and this browser's push notifications."""
    user = _user(request)
    if request.method == "POST":
        try:
            services.preferences_set(user=user, choices=_choices_from(request))
        except PreferenceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:preferences")
    labels = dict(catalogue.Category.choices)
    channel_labels = dict(Channel.choices)
    rows = [
        {
            "category": row[0].category,
            "label": labels[row[0].category],
            "cells": [(cell, channel_labels[cell.channel]) for cell in row],
        }
        for row in services.preferences_grid(user)
    ]
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": rows,
            "channels": Channel.choices,
            "has_phone": bool(user.phone),
            "section": "notification_preferences",
        },
    )
