"""The service worker for web push, served at the site root so its scope is the whole site.

A service worker controls only paths under the URL it was loaded from; /static/… would
limit it to static files, so this view serves the same file at ``/sw.js``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from core.accounts.permissions import access

SW_PATH = Path(__file__).resolve().parent.parent / "web" / "static" / "web" / "js" / "sw.js"


@lru_cache(maxsize=1)
def _service_worker_source() -> bytes:
    return SW_PATH.read_bytes()


@require_GET
@access(public=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """sw.js with the headers a root-scoped, always-revalidated service worker needs."""
    response = HttpResponse(_service_worker_source(), content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
