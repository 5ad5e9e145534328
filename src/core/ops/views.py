"""Operations endpoints: liveness, readiness and the Prometheus page."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.accounts.permissions import access
from core.ops.health import readiness
from core.ops.metrics import CONTENT_TYPE, exposition


@access(public=True)
@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process serves requests. Touches no database, cache or broker."""
    return JsonResponse({"status": "ok"})


@access(public=True)
@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when database, cache, broker and queue answer, else 503 naming failures."""
    result = readiness()
    body = {"checks": result.checks, **result.details}
    if result.ready:
        return JsonResponse({"status": "ok", **body})
    response = JsonResponse({"status": "unavailable", **body}, status=503)
    # Each failing check was logged as a warning; an expected outage is not an error event
    # (django.request would log every 503 at ERROR, and Sentry would page on each probe).
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _bearer_matches(request: HttpRequest, token: str) -> bool:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return False
    return hmac.compare_digest(presented.strip().encode(), token.encode())


@access(public=True)
@require_safe
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text exposition; with METRICS_TOKEN set, only for `Bearer <token>`."""
    token = settings.METRICS_TOKEN
    if token and not _bearer_matches(request, token):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE)
