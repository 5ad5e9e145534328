"""The notifications API: own notifications only, read state, delivery log, preferences."""

from __future__ import annotations

import pytest

from core.api.tests.helpers import JSON, bearer_for, jwt_keys_in, problem
from core.notifications.models import Delivery, Notification, Preference

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keys_dir(tmp_path):
    with jwt_keys_in(tmp_path / "jwt") as directory:
        yield directory


def _note(user, title: str, *, read: bool = False) -> Notification:
    from django.utils import timezone

    return Notification.objects.create(
        user=user,
        event="account.mfa_enabled",
        category="security",
        title=title,
        body=f"{title} body",
        read_at=timezone.now() if read else None,
    )


def test_the_list_holds_only_the_callers_notifications_newest_first(client, user_factory):
    owner, other = user_factory(), user_factory()
    first = _note(owner, "First")
    second = _note(owner, "Second", read=True)
    _note(other, "Not yours")

    body = client.get("/api/v1/notifications", HTTP_AUTHORIZATION=bearer_for(owner)).json()

    assert body["count"] == 2
    assert [(item["id"], item["title"]) for item in body["items"]] == [
        (second.pk, "Second"),
        (first.pk, "First"),
    ]
    unread = client.get(
        "/api/v1/notifications?unread=true", HTTP_AUTHORIZATION=bearer_for(owner)
    ).json()
    assert [item["title"] for item in unread["items"]] == ["First"]


def test_unread_count_and_marking_read(client, user_factory):
    owner = user_factory()
    first, _ = _note(owner, "A"), _note(owner, "B")
    auth = {"HTTP_AUTHORIZATION": bearer_for(owner)}

    assert client.get("/api/v1/notifications/unread-count", **auth).json() == {"unread": 2}
    response = client.post(f"/api/v1/notifications/{first.pk}/read", **auth)
    assert response.json() == {"unread": 1}
    assert client.post("/api/v1/notifications/read-all", **auth).json() == {"updated": 1}
    assert client.get("/api/v1/notifications/unread-count", **auth).json() == {"unread": 0}


def test_another_persons_notification_answers_404_and_stays_unread(client, user_factory):
    owner, intruder = user_factory(), user_factory()
    note = _note(owner, "Private")
    auth = {"HTTP_AUTHORIZATION": bearer_for(intruder)}

    assert client.get(f"/api/v1/notifications/{note.pk}", **auth).status_code == 404
    response = client.post(f"/api/v1/notifications/{note.pk}/read", **auth)
    assert response.status_code == 404
    assert problem(response)["code"] == "not_found"
    note.refresh_from_db()
    assert note.read_at is None


def test_the_detail_shows_the_delivery_log(client, user_factory):
    owner = user_factory()
    note = _note(owner, "Logged")
    Delivery.objects.create(
        notification=note, channel="email", status="sent", attempts=2, provider_id="<m1@x>"
    )
    Delivery.objects.create(
        notification=note, channel="push", status="skipped", attempts=1, last_error="none"
    )

    body = client.get(
        f"/api/v1/notifications/{note.pk}", HTTP_AUTHORIZATION=bearer_for(owner)
    ).json()

    assert [
        (d["channel"], d["status"], d["attempts"], d["provider_id"]) for d in body["deliveries"]
    ] == [("email", "sent", 2, "<m1@x>"), ("push", "skipped", 1, "")]
    assert body["title"] == "Logged"


def test_preferences_round_trip(client, user_factory):
    owner = user_factory()
    auth = {"HTTP_AUTHORIZATION": bearer_for(owner)}

    response = client.put(
        "/api/v1/notification-preferences",
        {"preferences": [{"category": "security", "channel": "push", "enabled": False}]},
        content_type=JSON,
        **auth,
    )

    assert response.status_code == 200
    cells = {(c["category"], c["channel"]): c for c in response.json()}
    assert cells[("security", "push")]["enabled"] is False
    assert cells[("security", "email")] == {
        "category": "security",
        "channel": "email",
        "available": True,
        "required": True,
        "enabled": True,
    }
    assert list(Preference.objects.values_list("category", "channel", "enabled")) == [
        ("security", "push", False)
    ]


def test_turning_off_a_required_channel_is_refused_and_changes_nothing(client, user_factory):
    owner = user_factory()

    response = client.put(
        "/api/v1/notification-preferences",
        {
            "preferences": [
                {"category": "security", "channel": "push", "enabled": False},
                {"category": "security", "channel": "email", "enabled": False},
            ]
        },
        content_type=JSON,
        HTTP_AUTHORIZATION=bearer_for(owner),
    )

    assert response.status_code == 422
    assert problem(response)["code"] == "invalid_preference"
    assert Preference.objects.count() == 0


def test_unknown_keys_in_the_body_are_refused(client, user_factory):
    response = client.put(
        "/api/v1/notification-preferences",
        {"preferences": [{"category": "security", "channel": "push", "enabled": True, "x": 1}]},
        content_type=JSON,
        HTTP_AUTHORIZATION=bearer_for(user_factory()),
    )
    assert response.status_code == 422
    assert Preference.objects.count() == 0
