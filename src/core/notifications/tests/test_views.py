"""The notification centre, the bell and the preferences page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.notifications.models import Notification, Preference

pytestmark = pytest.mark.django_db


def _note(user, title: str, *, link: str = "", read: bool = False) -> Notification:
    return Notification.objects.create(
        user=user,
        event="account.mfa_enabled",
        category="security",
        title=title,
        body=f"{title} body",
        link=link,
        read_at=timezone.now() if read else None,
    )


@pytest.fixture
def signed_in(client, user_factory):
    user = user_factory(full_name="Sari Wulandari")
    client.force_login(user)
    return user


def test_the_centre_lists_own_notifications_with_the_unread_count(client, signed_in, user_factory):
    _note(signed_in, "Valve reopened")
    _note(signed_in, "Old news", read=True)
    _note(user_factory(), "Someone else's")

    response = client.get("/notifications/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Valve reopened" in page
    assert "Old news" in page
    assert "Someone else" not in page
    assert "1 unread" in page
    assert 'class="bell-count" data-unread="1"' in page  # the header bell


def test_the_unread_filter_and_the_htmx_fragment(client, signed_in):
    _note(signed_in, "Fresh")
    _note(signed_in, "Seen", read=True)

    response = client.get("/notifications/?unread=1", HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert "<html" not in page  # a fragment for htmx to swap in
    assert "Fresh" in page
    assert "Seen" not in page


def test_the_empty_centre_says_so(client, signed_in):
    page = client.get("/notifications/").content.decode()
    assert "No notifications yet." in page
    assert "All caught up" in page


def test_marking_read_and_opening_the_link(client, signed_in):
    note = _note(signed_in, "Top-up received", link="/water/")

    response = client.post(f"/notifications/{note.pk}/read/", {"open": "1"})

    assert response.status_code == 302
    assert response["Location"] == "/water/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_an_outside_link_is_never_followed(client, signed_in):
    note = _note(signed_in, "Odd", link="https://evil.example/")
    response = client.post(f"/notifications/{note.pk}/read/", {"open": "1"})
    assert response["Location"] == "/notifications/"


def test_marking_another_persons_notification_is_404(client, signed_in, user_factory):
    note = _note(user_factory(), "Theirs")
    assert client.post(f"/notifications/{note.pk}/read/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read(client, signed_in):
    _note(signed_in, "One")
    _note(signed_in, "Two")
    response = client.post("/notifications/read-all/", follow=True)
    assert "All notifications are marked as read." in response.content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_the_bell_fragment(client, signed_in):
    _note(signed_in, "One")
    page = client.get("/notifications/bell/").content.decode()
    assert 'id="notification-bell"' in page
    assert 'aria-label="Notifications: 1 unread"' in page


def test_preferences_save_every_optional_box(client, signed_in):
    page = client.get("/notifications/preferences/").content.decode()
    assert 'name="security:push"' in page
    assert 'name="security:email"' not in page  # required: shown checked and disabled

    response = client.post("/notifications/preferences/", {"security:in_app": "on"}, follow=True)

    assert "Your notification settings are saved." in response.content.decode()
    stored = {
        (c, ch): on
        for c, ch, on in Preference.objects.filter(user=signed_in, category="security").values_list(
            "category", "channel", "enabled"
        )
    }
    assert stored[("security", "in_app")] is True
    assert stored[("security", "push")] is False
    assert stored[("security", "sms")] is False
    assert ("security", "email") not in stored
