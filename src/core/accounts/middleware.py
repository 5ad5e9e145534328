"""Session policy: staff sessions end after 30 idle minutes and 12 hours in all."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.accounts.services.sessions import session_enforce_policy


class SessionPolicyMiddleware:
    """Apply idle/absolute limits and record the session for the owner's session list."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        redirect = session_enforce_policy(request)
        if redirect is not None:
            return redirect
        return self.get_response(request)
