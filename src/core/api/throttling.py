"""API rate limits as ninja throttles, counted by `core.api.ratelimit` in the shared cache.

The API applies `RateLimit()` (``settings.RATE_LIMIT_DEFAULT``, scope "api") to every
operation; a route adds its own by passing ``throttle=[RateLimit(), RateLimit("5/60",
scope="...")]``. Callers are counted per user when authenticated, else per client IP. The
most restrictive decision is kept on the request so every response, refused or not, carries
RateLimit-Limit / -Remaining / -Reset / -Policy (and Retry-After when refused).
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from core.api import ratelimit
from core.api.errors import RATE_LIMIT_ATTR
from core.ops.net import client_ip


def _caller(request: HttpRequest) -> str:
    for candidate in (getattr(request, "auth", None), getattr(request, "user", None)):
        if candidate is not None and getattr(candidate, "is_authenticated", False):
            return f"user:{candidate.pk}"
    return f"ip:{client_ip(request)}"


def _keep_most_restrictive(request: HttpRequest, decision: ratelimit.Decision) -> None:
    current: ratelimit.Decision | None = getattr(request, RATE_LIMIT_ATTR, None)
    if (
        current is None
        or (current.allowed and not decision.allowed)
        or (current.allowed == decision.allowed and decision.remaining < current.remaining)
    ):
        setattr(request, RATE_LIMIT_ATTR, decision)


class RateLimit(BaseThrottle):
    """Allow `rate` ("count/seconds") per caller in `scope`; by default the general limit.

    `setting` names the Django setting holding the rate when `rate` is not given; it is read
    on each request so deployments (and tests) can change it.
    """

    def __init__(
        self, rate: str | None = None, *, scope: str = "api", setting: str = "RATE_LIMIT_DEFAULT"
    ) -> None:
        self.rate = rate
        self.scope = scope
        self.setting = setting
        self._last = threading.local()

    def current_rate(self) -> ratelimit.Rate:
        return ratelimit.Rate.parse(self.rate or str(getattr(settings, self.setting)))

    def allow_request(self, request: HttpRequest) -> bool:
        decision = ratelimit.hit(self.scope, _caller(request), self.current_rate())
        self._last.retry_after = decision.retry_after
        _keep_most_restrictive(request, decision)
        return decision.allowed

    def wait(self) -> Any:
        return getattr(self._last, "retry_after", None)


def login_rate_limit(scope: str) -> list[BaseThrottle]:
    """The general limit plus ``settings.RATE_LIMIT_LOGIN`` for sign-in-like routes."""
    return [RateLimit(), RateLimit(scope=scope, setting="RATE_LIMIT_LOGIN")]
