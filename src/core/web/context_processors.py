"""Values every template needs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, Any]:
    """Product names used by the shared layout."""
    return {"platform_name": "IndoWater · RoadSide+ TT"}
