"""Sliding-window rate limiting kept in the cache (Redis in production, shared by processes).

Two fixed-window counters are blended: the previous window counts in proportion to how
much of it still overlaps the sliding window. Increments are atomic (`cache.incr`), so
concurrent processes cannot overshoot by racing a read-then-write.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from core.ops.metrics import record_rate_limited


@dataclass(frozen=True)
class Rate:
    """`limit` requests per `window` seconds, parsed from "limit/window"."""

    limit: int
    window: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        count, _, seconds = text.partition("/")
        rate = cls(limit=int(count), window=int(seconds))
        if rate.limit <= 0 or rate.window <= 0:
            raise ValueError(f"Rate {text!r} must be two positive integers 'count/seconds'.")
        return rate

    @property
    def policy(self) -> str:
        """The IETF RateLimit-Policy value, e.g. ``100;w=900``."""
        return f"{self.limit};w={self.window}"


@dataclass(frozen=True)
class Decision:
    """Outcome of one hit: whether allowed, what remains, and seconds until it eases."""

    allowed: bool
    limit: int
    remaining: int
    reset: int
    retry_after: int
    policy: str

    def headers(self) -> dict[str, str]:
        values = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
            "RateLimit-Policy": self.policy,
        }
        if not self.allowed:
            values["Retry-After"] = str(self.retry_after)
        return values


def _incr(key: str, ttl: int, cost: int) -> int:
    if cache.add(key, cost, timeout=ttl):
        return cost
    try:
        return int(cache.incr(key, cost))
    except ValueError:  # expired between add and incr
        cache.add(key, cost, timeout=ttl)
        return cost


def _counts(current_key: str, previous_key: str, ttl: int, cost: int) -> tuple[int, int]:
    """Add `cost` to the current window and read the previous one.

    On Redis this is one pipelined round trip (INCRBY, EXPIRE NX, GET); other caches use
    the portable add/incr/get sequence, atomic per key in each of them.
    """
    backend = caches["default"]  # `cache` is a proxy; the Redis path needs the real backend
    if isinstance(backend, RedisCache):
        current = backend.make_and_validate_key(current_key)
        client = backend._cache.get_client(current, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.incrby(current, cost)
        pipe.expire(current, ttl, nx=True)
        pipe.get(backend.make_and_validate_key(previous_key))
        count, _, previous = pipe.execute()
        return int(count), int(previous or 0)
    return _incr(current_key, ttl, cost), int(cache.get(previous_key) or 0)


def hit(scope: str, ident: str, rate: Rate, *, now: float | None = None, cost: int = 1) -> Decision:
    """Count one request for `ident` under `scope` and decide whether it may proceed.

    A refused request is still counted, so hammering a limit keeps it closed.
    """
    now = time.time() if now is None else now
    window_index = int(now // rate.window)
    elapsed = now - window_index * rate.window
    current_key = f"rl:{scope}:{ident}:{window_index}"
    previous_key = f"rl:{scope}:{ident}:{window_index - 1}"
    current, previous = _counts(current_key, previous_key, rate.window * 2 + 1, cost)
    weight = 1 - elapsed / rate.window
    used = previous * weight + current
    allowed = used <= rate.limit
    remaining = max(0, math.floor(rate.limit - used))
    reset = max(1, math.ceil(rate.window - elapsed))
    retry_after = reset
    if not allowed:
        record_rate_limited(scope)
    if not allowed and previous:
        # Time until the previous window's share decays enough to admit one more request.
        excess = used - rate.limit + 1
        retry_after = max(1, min(reset, math.ceil(excess / previous * rate.window)))
    return Decision(allowed, rate.limit, remaining, reset, retry_after, rate.policy)


def peek_count(scope: str, ident: str, rate: Rate, *, now: float | None = None) -> int:
    """Requests counted in the current fixed window (used by tests and alerts)."""
    now = time.time() if now is None else now
    return int(cache.get(f"rl:{scope}:{ident}:{int(now // rate.window)}") or 0)
