"""NinjaAPI with the platform's conventions applied to every route it serves.

- successful responses carry the RateLimit-* headers of the throttle decision;
- a path under /api/ that matches no operation answers problem+json 404, and a method an
  operation does not accept answers problem+json 405 (ninja's defaults are plain text);
- failed authentication counts against the general limit too. ninja authenticates before it
  throttles, so without this an anonymous flood of bad credentials would never be limited.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, Throttled
from ninja.openapi.schema import OpenAPISchema

from core.accounts.permissions import access
from core.api.errors import RATE_LIMIT_ATTR, problem_response, rate_limit_headers
from core.api.openapi import add_problem_responses
from core.api.throttling import RateLimit
from core.errors import ApplicationError


def _as_problem(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    if isinstance(response, HttpResponseNotAllowed):
        return problem_response(
            request,
            status=405,
            code="method_not_allowed",
            detail=f"Allowed methods: {response['Allow']}.",
            headers={"Allow": response["Allow"]},
        )
    return response


def _problem_views(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a ninja path view so that its plain-text 405 becomes problem+json."""
    if iscoroutinefunction(view):

        async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            return _as_problem(request, await view(request, *args, **kwargs))

        wrapper: Any = markcoroutinefunction(async_wrapper)
    else:

        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            return _as_problem(request, view(request, *args, **kwargs))

    functools.update_wrapper(wrapper, view)
    wrapper.csrf_exempt = True
    return wrapper


def _is_auth_failure(exc: Exception) -> bool:
    if isinstance(exc, AuthenticationError):
        return True
    return isinstance(exc, ApplicationError) and exc.status in {401, 403}


@access(public=True)
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Every path under /api/ that no operation serves, whatever the method."""
    return problem_response(
        request, status=404, code="not_found", title="Not found", detail="No such API route."
    )


api_not_found.csrf_exempt = True  # type: ignore[attr-defined]


class PlatformAPI(NinjaAPI):
    """The platform's NinjaAPI (see the module docstring)."""

    def on_exception(self, request: HttpRequest, exc: Any) -> HttpResponse:
        if getattr(request, RATE_LIMIT_ATTR, None) is None and _is_auth_failure(exc):
            limiter = RateLimit()
            if not limiter.allow_request(request):
                exc = Throttled(wait=limiter.wait())
        return super().on_exception(request, exc)

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        add_problem_responses(schema)
        return schema

    def create_temporal_response(self, request: HttpRequest) -> HttpResponse:
        response = super().create_temporal_response(request)
        for name, value in rate_limit_headers(request).items():
            response[name] = value
        return response

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns = super()._get_urls()
        for pattern in patterns:
            if not isinstance(pattern, URLPattern):
                continue
            if pattern.name == "api-root":
                # ninja's root view only anchors reverse(); it raises a bare (HTML) 404
                pattern.callback = api_not_found
            else:
                pattern.callback = _problem_views(pattern.callback)
        patterns.append(re_path(r"^.*$", api_not_found, name="not-found"))
        return patterns
