"""Root URL map: portals, accounts, API, operations."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from core.accounts.permissions import access
from core.api.root import api
from core.notifications.web_push_views import service_worker

urlpatterns = [
    path("", include("core.web.urls")),
    path("", include("core.ops.urls")),
    path("accounts/", include("core.accounts.urls")),
    path("notifications/", include("core.notifications.urls")),
    path("payments/", include("core.payments.urls")),
    path("water/", include("water.topups.urls")),
    path("water/", include("water.portal.urls")),
    path("sw.js", service_worker, name="service_worker"),
    path("api/", api.urls),
    path(".well-known/", include("core.api.urls")),
    path("i18n/setlang/", access(public=True)(set_language), name="set_language"),
    path(settings.ADMIN_URL, admin.site.urls),
]
