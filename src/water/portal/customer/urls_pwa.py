"""The installable app's public files, mounted at /water/: its manifest and offline page."""

from django.urls import path

from water.portal.customer import pwa

urlpatterns = [
    path("manifest.webmanifest", pwa.manifest_view, name="manifest"),
    path("offline/", pwa.offline_view, name="offline"),
]
