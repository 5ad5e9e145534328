"""The django-ninja API root at /api/v1; routers of every app are attached here."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="IndoWater · RoadSide+ TT API",
    version="1",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
