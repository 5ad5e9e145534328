"""Helpers shared by the account pages: safe redirects, finishing a sign-in, 429 pages."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from core.accounts.models import User
from core.accounts.services.auth import login_succeeded
from core.accounts.services.sessions import session_register
from core.errors import RateLimited

PENDING_LOGIN_KEY = "_pending_login"
PENDING_LOGIN_TTL = 5 * 60


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """`candidate` if it points back into this site, else an empty string."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def next_from(request: HttpRequest) -> str:
    """The validated `next` of a form post or query string."""
    return safe_next(request, request.POST.get("next") or request.GET.get("next"))


def set_language_cookie(response: HttpResponse, language: str) -> HttpResponse:
    """Show the interface in the user's chosen language from now on."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def pending_login_start(request: HttpRequest, user: User, next_url: str) -> None:
    """Remember who passed step one; step two must follow within five minutes."""
    request.session[PENDING_LOGIN_KEY] = {"user_id": user.pk, "at": time.time(), "next": next_url}


def pending_login_user(request: HttpRequest) -> tuple[User | None, str]:
    """The user waiting for their second factor, if the marker is present and fresh."""
    pending = request.session.get(PENDING_LOGIN_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("user_id"), int):
        return None, ""
    if time.time() - float(pending.get("at", 0)) > PENDING_LOGIN_TTL:
        request.session.pop(PENDING_LOGIN_KEY, None)
        return None, ""
    user = User.objects.filter(pk=int(pending["user_id"]), is_active=True).first()
    return user, safe_next(request, pending.get("next"))


def complete_login(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """Sign the user in, list the session, audit it and go on to `next` or their portal."""
    request.session.pop(PENDING_LOGIN_KEY, None)
    # login() cycles the session key (or flushes a different user's session): no fixation.
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    session_register(request=request, user=user)
    login_succeeded(user=user, channel="web")
    response = redirect(next_url or reverse(settings.LOGIN_REDIRECT_URL))
    return set_language_cookie(response, user.language)


def rate_limited(
    request: HttpRequest, template: str, context: dict[str, Any], exc: RateLimited
) -> HttpResponse:
    """Re-render the form with a friendly notice, status 429 and Retry-After."""
    response = render(
        request, template, {**context, "retry_after": exc.retry_after}, status=exc.status
    )
    response["Retry-After"] = str(exc.retry_after)
    return response
