"""The WebSocket side of the ASGI application: Origin check, authentication, routes."""

from __future__ import annotations

from typing import Any

from channels.routing import URLRouter
from django.urls import path

from core.realtime.auth import LiveAuthMiddleware, origin_validator
from core.realtime.consumers import LiveConsumer

websocket_urlpatterns = [path("ws/live/", LiveConsumer.as_asgi(), name="live")]


def websocket_application() -> Any:
    """Every WebSocket: Origin checked, then identified, then routed."""
    return origin_validator(LiveAuthMiddleware(URLRouter(websocket_urlpatterns)))
