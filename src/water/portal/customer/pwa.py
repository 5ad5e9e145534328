"""The installable IndoWater app: its web manifest and the page shown when offline.

The service worker (`core/web/static/web/js/sw.js`) keeps the offline page and the core
styles and scripts, and answers a navigation that fails for want of a network with it.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from core.accounts.permissions import access

THEME_COLOUR = "#0a75b5"  # --water in app.css
BACKGROUND_COLOUR = "#f5f7fb"  # --bg in app.css


def manifest() -> dict[str, Any]:
    """The web app manifest of the customer app."""
    icons = [
        {
            "src": static(f"water_portal/icons/{name}.png"),
            "sizes": size,
            "type": "image/png",
            "purpose": purpose,
        }
        for name, size, purpose in (
            ("icon-192", "192x192", "any"),
            ("icon-512", "512x512", "any"),
            ("maskable-192", "192x192", "maskable"),
            ("maskable-512", "512x512", "maskable"),
        )
    ]
    return {
        "name": "IndoWater",
        "short_name": "IndoWater",
        "description": _("Your prepaid water: balance, usage and top-ups."),
        "start_url": "/water/my/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": icons,
    }


@access(public=True)
@cache_control(max_age=3600, public=True)
@require_http_methods(["GET"])
def manifest_view(request: HttpRequest) -> HttpResponse:
    """/water/manifest.webmanifest"""
    body = json.dumps(manifest(), ensure_ascii=False, indent=2)
    return HttpResponse(body, content_type="application/manifest+json")


@access(public=True)
@require_http_methods(["GET"])
def offline_view(request: HttpRequest) -> HttpResponse:
    """The page the service worker shows when a page cannot load for want of a network."""
    return render(request, "water_portal/customer/offline.html")
