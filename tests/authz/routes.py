"""Discovery of every page and API operation, with the access policy each one declares."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from core.accounts.permissions import AccessPolicy, policy_of
from core.api.root import api

API_PREFIX = "/api/"
# ninja's own schema and docs views: public by design, they declare no policy themselves.
FRAMEWORK_PUBLIC = {"/api/openapi.json", "/api/docs"}
ADMIN_PREFIX = "/admin/"


@dataclass(frozen=True)
class Route:
    """One callable surface: an API method + path, or a page path (method chosen by its case)."""

    kind: str  # "api" or "page"
    method: str  # HTTP method for API operations; "*" for pages
    path: str  # e.g. "/api/v1/tenants/{tenant_id}/members" or "/accounts/sessions/<int:id>/"
    policy: AccessPolicy | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)


def _api_routes() -> list[Route]:
    routes: list[Route] = []
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            full = "/".join(p.strip("/") for p in (API_PREFIX, bound.prefix, path) if p.strip("/"))
            full = "/" + full + ("/" if path.endswith("/") else "")
            for operation in path_view.operations:
                for method in operation.methods:
                    routes.append(Route("api", method, full, policy_of(operation.view_func)))
    return routes


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _page_routes() -> list[Route]:
    routes: list[Route] = []
    for raw, callback in _walk(get_resolver().url_patterns):
        path = "/" + raw.replace("^.*$", "<path>").lstrip("^").rstrip("$").replace("\\Z", "")
        if path.startswith(ADMIN_PREFIX) or path.startswith(API_PREFIX + "v1/"):
            continue  # admin: tested on its own; /api/v1/: listed per operation above
        routes.append(Route("page", "*", path, policy_of(callback)))
    return routes


def all_routes() -> list[Route]:
    """Every API operation and every page of the project (admin site tested separately)."""
    return _api_routes() + _page_routes()


_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\{(\w+)\}")


def path_params(path: str) -> list[str]:
    """Names of the parameters in a Django or OpenAPI style path."""
    return [a or b for a, b in _PARAM.findall(path)]
