"""Well-known URLs served by the API app (mounted at /.well-known/)."""

from __future__ import annotations

from django.urls import path

from core.api.jwks import jwks_view

app_name = "well_known"
urlpatterns = [path("jwks.json", jwks_view, name="jwks")]
