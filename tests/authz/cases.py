"""How to call each route in the authorization matrix.

Keys are ``(METHOD, path)`` for API operations and ``("*", path)`` for pages, exactly as
`routes.all_routes()` reports them. `build` returns the URL (with any objects it needs
created inside the tenant in scope) and the request body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.accounts.models import User
from core.tenancy.models import Tenant


@dataclass(frozen=True)
class Ctx:
    """What a case may use: the tenant in scope, the allowed user, and the caller."""

    tenant: Tenant | None
    owner: User | None
    world_user: User | None


@dataclass(frozen=True)
class Case:
    build: Callable[[Ctx], tuple[str, dict[str, Any] | None]]
    method: str = "GET"
    ok: frozenset[int] = field(default_factory=lambda: frozenset({200}))


def static(url: str, *, method: str = "GET", body: dict[str, Any] | None = None, ok=(200,)) -> Case:
    return Case(build=lambda ctx: (url, body), method=method, ok=frozenset(ok))


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/openapi.json"): static("/api/openapi.json"),
    ("GET", "/api/docs"): static("/api/docs"),
    ("*", "/healthz"): static("/healthz"),
    ("*", "/readyz"): static("/readyz"),
    ("*", "/metrics"): static("/metrics"),
}
