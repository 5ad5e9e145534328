"""IndoWater portal pages, mounted at /water/: customer, water authority staff, superadmin."""

from django.urls import include, path

app_name = "water_portal"

urlpatterns = [
    path("my/", include("water.portal.customer.urls")),
    path("t/<int:tenant_id>/", include("water.portal.client.urls")),
    path("platform/", include("water.portal.platform.urls")),
    path("", include("water.portal.customer.urls_pwa")),  # manifest, offline
]
