"""Request id and request metadata binding."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse

from core.ops.context import RequestMeta, reset_request_meta, set_request_meta
from core.ops.net import client_ip

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


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
