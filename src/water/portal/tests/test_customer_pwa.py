"""The installable app: its manifest, icons, offline page and the service worker's offline cache."""

from __future__ import annotations

import json
import struct

import pytest
from django.contrib.staticfiles import finders

from core.notifications.web_push_views import SW_PATH

pytestmark = pytest.mark.django_db


def test_the_manifest_describes_the_installable_app(client):
    response = client.get("/water/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "IndoWater"
    assert manifest["short_name"] == "IndoWater"
    assert manifest["start_url"] == "/water/my/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0a75b5"
    assert manifest["background_color"] == "#f5f7fb"
    assert [(i["src"], i["sizes"], i["purpose"]) for i in manifest["icons"]] == [
        ("/static/water_portal/icons/icon-192.png", "192x192", "any"),
        ("/static/water_portal/icons/icon-512.png", "512x512", "any"),
        ("/static/water_portal/icons/maskable-192.png", "192x192", "maskable"),
        ("/static/water_portal/icons/maskable-512.png", "512x512", "maskable"),
    ]


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("icon-192.png", 192),
        ("icon-512.png", 512),
        ("maskable-192.png", 192),
        ("maskable-512.png", 512),
        ("apple-touch-icon.png", 180),
    ],
)
def test_the_icons_are_pngs_of_their_size(name, size):
    path = finders.find(f"water_portal/icons/{name}")
    assert path is not None
    head = open(path, "rb").read(24)  # noqa: SIM115
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (size, size)


def test_the_offline_page_is_public_and_bare(client):
    response = client.get("/water/offline/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "You are offline" in html
    assert 'href="/water/my/"' in html
    assert "site-header" not in html
    assert "<script" not in html


def test_the_service_worker_keeps_the_offline_page_and_serves_it_for_failed_navigations():
    source = SW_PATH.read_text()

    assert 'var OFFLINE_URL = "/water/offline/";' in source
    assert '"/static/web/css/app.css"' in source
    assert '"/static/web/js/app.js"' in source
    assert ".open(CACHE)" in source
    assert "cache.add(" in source
    assert 'addEventListener("fetch"' in source
    assert 'request.mode === "navigate"' in source
    assert "caches.match(OFFLINE_URL)" in source
    # the push code is still there
    assert 'addEventListener("push"' in source
    assert 'addEventListener("notificationclick"' in source


def test_customer_pages_link_the_manifest_and_register_the_worker(client):
    from water.portal.tests.customer_data import home

    place = home()
    client.force_login(place.user)

    for url in ("/water/my/", "/water/my/usage/", "/water/my/payments/"):
        html = client.get(url).content.decode()
        assert '<link rel="manifest" href="/water/manifest.webmanifest">' in html
        assert '<meta name="theme-color" content="#0a75b5">' in html
        assert (
            'rel="apple-touch-icon" href="/static/water_portal/icons/apple-touch-icon.png"' in html
        )
        assert "water_portal/customer.js" in html
