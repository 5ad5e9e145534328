"""Live updates in a real browser: a notification created elsewhere appears without a reload."""

from __future__ import annotations

import re
import threading

from playwright.sync_api import expect

from core.accounts import events as account_events
from core.notifications.services import notify
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import UserFactory


def test_a_new_notification_appears_in_the_open_centre_and_the_bell(asgi_server, page):
    user = UserFactory(full_name="Sari Wulandari", email="sari@example.id")
    sign_in(page, asgi_server.url, user)
    page.goto(f"{asgi_server.url}/notifications/")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "online")
    expect(page.get_by_text("No notifications yet.")).to_be_visible()
    screenshot(page, "notifications-empty-desktop")

    # Someone else (here a thread: this one runs the browser's event loop) tells the user
    # something; the page is not reloaded.
    teller = threading.Thread(
        target=notify, args=(user, account_events.MFA_ENABLED), kwargs={"link": "/accounts/mfa/"}
    )
    teller.start()
    teller.join(timeout=30)

    item = page.locator(".notif-item").first
    expect(item).to_contain_text("Two-step verification is on")
    expect(page.locator(".bell-count")).to_have_text("1")
    expect(page.get_by_role("heading", name="1 unread")).to_be_visible()
    screenshot(page, "notifications-live-desktop")

    page.get_by_role("button", name=re.compile("^Mark as read")).click()
    expect(page.get_by_role("heading", name="All caught up")).to_be_visible()
    expect(page.locator(".bell-count")).to_have_count(0)
    assert page.problems == []


def test_the_centre_and_preferences_on_a_phone_in_indonesian(asgi_server, browser):
    user = UserFactory(full_name="Budi Santoso", language="id")
    for _ in range(2):
        notify(
            user,
            account_events.NEW_DEVICE_LOGIN,
            {
                "device": "Chrome on Android",
                "ip": "114.124.1.8",
                "signed_in_at": "2026-11-21T09:15:00+00:00",
                "timezone": "Asia/Jakarta",
            },
            link="/accounts/sessions/",
        )
    context = browser.new_context(
        viewport={"width": 360, "height": 780}, locale="id-ID", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, asgi_server.url, user)
    page.goto(f"{asgi_server.url}/notifications/")
    expect(page.get_by_role("heading", name="Notifikasi", exact=True)).to_be_visible()
    expect(page.locator(".notif-item").first).to_contain_text("Aktivitas masuk baru")
    screenshot(page, "notifications-phone-id")
    page.goto(f"{asgi_server.url}/notifications/preferences/")
    screenshot(page, "notification-preferences-phone-id")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "notification-preferences-desktop-id")
    assert problems == []
    context.close()
