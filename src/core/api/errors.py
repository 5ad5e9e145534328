"""RFC 9457 problem+json for every error answered under /api/.

Body: ``{type, title, status, detail, code, instance, request_id?, errors?}``. `code` is the
stable machine-readable value clients switch on; `type` is ``urn:problem-type:<code>``.
Nothing here ever includes a stack trace: unexpected exceptions are logged and answered 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from core.errors import ApplicationError, RateLimited

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("core.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"
PARAM_SOURCES = frozenset({"body", "query", "path", "header", "cookie", "form", "file"})
CODE_OF_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
}
RATE_LIMIT_ATTR = "_rate_limit_decision"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def rate_limit_headers(request: HttpRequest) -> dict[str, str]:
    """RateLimit-* headers of the decision a throttle stored on this request, if any."""
    decision = getattr(request, RATE_LIMIT_ATTR, None)
    return decision.headers() if decision is not None else {}


def problem_response(
    request: HttpRequest,
    *,
    status: int,
    code: str | None = None,
    title: str | None = None,
    detail: str | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """Build one problem+json response (also used by views outside ninja)."""
    code = code or CODE_OF_STATUS.get(status, "error")
    body: dict[str, Any] = {
        "type": f"urn:problem-type:{code}",
        "title": title or _phrase(status),
        "status": status,
        "detail": detail or title or _phrase(status),
        "code": code,
        "instance": request.path,
    }
    request_id = getattr(request, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    if errors:
        body["errors"] = list(errors)
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    for name, value in {**rate_limit_headers(request), **(headers or {})}.items():
        response[name] = value
    return response


def _field_of(loc: Sequence[Any]) -> str:
    """Dotted field name without the parameter source, e.g. ("body","payload","email") → email."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in PARAM_SOURCES:
        source, parts = parts[0], parts[1:]
        if source in {"body", "form"} and len(parts) > 1:
            parts = parts[1:]  # the handler's parameter name carries no meaning for clients
        return ".".join(parts) or source
    return ".".join(parts)


def _on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": _field_of(e.get("loc", ())), "message": e.get("msg", ""), "code": e.get("type")}
        for e in exc.errors
    ]
    return problem_response(
        request,
        status=422,
        code="validation_error",
        title="The request is not valid",
        detail="One or more fields are not valid.",
        errors=errors,
    )


def _application_errors(exc: ApplicationError) -> list[dict[str, Any]]:
    field = exc.extra.get("field")
    items = exc.extra.get("errors") or ([] if field is None else [exc.message])
    return [
        dict(item)
        if isinstance(item, Mapping)
        else {"field": field, "message": str(item), "code": exc.code}
        for item in items
    ]


def _on_application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return problem_response(
        request,
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.message,
        errors=_application_errors(exc),
        headers=headers,
    )


def _on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    decision = getattr(request, RATE_LIMIT_ATTR, None)
    retry_after = decision.retry_after if decision is not None else int(exc.wait or 1)
    return problem_response(
        request,
        status=429,
        code="rate_limited",
        title="Too many requests",
        detail="Too many requests. Try again later.",
        headers={"Retry-After": str(retry_after)},
    )


def _on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        request,
        status=401,
        code="not_authenticated",
        title="Authentication required",
        detail="Send a Bearer access token or sign in.",
        headers={"WWW-Authenticate": 'Bearer realm="api"'},
    )


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = CODE_OF_STATUS.get(exc.status_code)
    if exc.status_code == 403 and "csrf" in str(exc).lower():
        code = "csrf_failed"
    return problem_response(request, status=exc.status_code, code=code, detail=str(exc))


def _on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(request, status=404, code="not_found", title="Not found")


def _on_django_permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(request, status=403, code="permission_denied")


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled API error", exc_info=exc)
    return problem_response(
        request,
        status=500,
        code="server_error",
        title="Internal server error",
        detail="Something went wrong on our side. The error has been logged.",
    )


def install_error_handlers(api: NinjaAPI) -> None:
    """Replace ninja's default handlers with problem+json ones (most specific wins)."""
    handlers: list[tuple[type[Exception], Any]] = [
        (Exception, _on_unexpected),
        (Http404, _on_not_found),
        (DjangoPermissionDenied, _on_django_permission_denied),
        (HttpError, _on_http_error),
        (AuthenticationError, _on_authentication_error),
        (Throttled, _on_throttled),
        (ValidationError, _on_validation_error),
        (ApplicationError, _on_application_error),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
