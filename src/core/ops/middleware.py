"""Request id and request metadata binding, and one access-log line per request."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from django.http import HttpRequest, HttpResponse

from core.ops.context import RequestMeta, reset_request_meta, set_request_meta
from core.ops.net import client_ip

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# URL parameters that carry credentials (password-reset uid/token, API keys, one-time links).
_SECRET_KWARG = re.compile(r"token|key|secret|password|otp|uid|signature", re.IGNORECASE)
REDACTED = "[redacted]"

access_logger = structlog.get_logger("core.ops.access")


class RequestIdMiddleware:
    """Accept a sane incoming X-Request-ID or mint one; echo it and bind it to every log line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        ip = client_ip(request)
        token = set_request_meta(
            RequestMeta(
                request_id=request_id,
                ip=ip,
                user_agent=request.headers.get("User-Agent", "")[:300],
            )
        )
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            response = self.get_response(request)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            reset_request_meta(token)
        response["X-Request-ID"] = request_id
        return response


def loggable_path(request: HttpRequest) -> str:
    """The request path with credential-bearing URL parameters redacted; no query string."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is None:
        return path
    for name, value in match.kwargs.items():
        text = str(value)
        if text and _SECRET_KWARG.search(name):
            path = path.replace(text, REDACTED)
    return path


def _user_id(request: HttpRequest) -> Any:
    # Only a user something already loaded: the access log must not add a session query.
    for candidate in (getattr(request, "_cached_user", None), getattr(request, "auth", None)):
        if candidate is not None and getattr(candidate, "is_authenticated", False):
            return getattr(candidate, "pk", None)
    return None


class AccessLogMiddleware:
    """Log method, path, status, duration and user id of every request as one JSON line.

    Headers, cookies, bodies and query strings are never logged: they carry credentials.
    Sits right after RequestIdMiddleware so the line carries the request id.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            access_logger.info(
                "request",
                method=request.method,
                path=loggable_path(request),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                request_id=getattr(request, "request_id", ""),
                user_id=_user_id(request),
            )
