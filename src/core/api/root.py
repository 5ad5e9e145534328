"""The django-ninja API root: operations live under /api/v1, docs at /api/docs.

Every operation is authenticated by a Bearer access token or the session (`API_AUTH`) unless
it says `auth=None`, is rate limited by `RateLimit()` unless it names its own throttles, and
answers errors as problem+json.

Routers are discovered, so `core` never imports a product: every installed app whose
`<app>.api` module defines `router` is mounted at /api/v1/<ROUTER_PREFIX> (the module's
`ROUTER_PREFIX`, default "" — e.g. ``ROUTER_PREFIX = "water/"``), in INSTALLED_APPS order.
"""

from __future__ import annotations

import importlib
import importlib.util

from django.apps import apps
from ninja import Router

from core.api.auth import API_AUTH
from core.api.base import PlatformAPI
from core.api.docs import ReferenceDocs
from core.api.errors import install_error_handlers
from core.api.throttling import RateLimit

api = PlatformAPI(
    title="IndoWater · RoadSide+ TT API",
    version="1",
    description=(
        "Shared platform API. Authenticate with `POST /api/v1/auth/token`, send the access "
        "token as `Authorization: Bearer <token>`; browsers may use their session with CSRF."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs=ReferenceDocs(),
    docs_url="/docs",
    auth=API_AUTH,
    throttle=[RateLimit()],
)
install_error_handlers(api)


def _discover_routers(parent: Router) -> None:
    for app in apps.get_app_configs():
        module_name = f"{app.name}.api"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        router = getattr(module, "router", None)
        if isinstance(router, Router):
            parent.add_router(getattr(module, "ROUTER_PREFIX", ""), router)


v1 = Router()
_discover_routers(v1)
api.add_router("v1/", v1)
