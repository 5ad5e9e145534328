"""A water authority's staff workspace, mounted at /water/t/<tenant_id>/."""

from django.urls import include, path

urlpatterns = [
    path("", include("water.portal.client.urls_operations")),
    path("", include("water.portal.client.urls_registry")),
]
