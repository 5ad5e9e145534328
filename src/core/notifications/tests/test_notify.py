"""notify(): channels from the catalogue and preferences, rendering, dedupe, after-commit."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from core.accounts import events as account_events
from core.notifications.errors import PreferenceError
from core.notifications.events import EMAIL, IN_APP, PUSH, SMS, Category, EventType, register
from core.notifications.models import Delivery, DeliveryStatus, Notification, Preference
from core.notifications.rendering import ContextError, money
from core.notifications.services import (
    channels_for,
    mark_all_read,
    mark_read,
    notify,
    preferences_grid,
    preferences_set,
    unread_count,
)
from core.realtime.models import LiveEvent

TEST_EVENT = EventType(
    key="test.topped_up",
    category=Category.BALANCE,
    title="Top-up of %(amount)s received",
    body="Meter %(serial)s now has %(balance)s. Thank you.",
    defaults=frozenset({EMAIL, IN_APP}),
)
register(TEST_EVENT)

CONTEXT = {
    "amount": {"minor": 150000, "currency": "IDR"},
    "balance": {"minor": 162500, "currency": "IDR"},
    "serial": "IW-0042",
}

pytestmark = pytest.mark.django_db


def _channels(notification: Notification) -> list[tuple[str, str]]:
    return list(notification.deliveries.order_by("channel").values_list("channel", "status"))


def test_notify_stores_the_message_and_one_delivery_per_external_channel(
    user_factory, django_capture_on_commit_callbacks
):
    user = user_factory(phone="")
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(user, "test.topped_up", CONTEXT, link="/water/meters/7/")

    assert notification is not None
    assert (notification.title, notification.body) == (
        "Top-up of Rp 150,000 received",
        "Meter IW-0042 now has Rp 162,500. Thank you.",
    )
    assert notification.in_app is True
    assert notification.category == "balance"
    assert _channels(notification) == [("email", "sent")]  # tasks run inline in tests
    assert mail.outbox[0].subject == "Top-up of Rp 150,000 received"
    assert "http://127.0.0.1:8000/water/meters/7/" in mail.outbox[0].body


def test_the_message_is_written_in_the_users_language(user_factory):
    user = user_factory(language="id")
    notification = notify(user, "test.topped_up", CONTEXT)
    # The test strings are not in the catalogue, but money follows Indonesian grouping.
    assert notification.title == "Top-up of Rp 150.000 received"


def test_money_in_two_currencies():
    assert money({"minor": 125000, "currency": "TTD"}) == "TT$1,250.00"
    assert money({"minor": -5000, "currency": "IDR"}) == "-Rp 5,000"


def test_a_missing_placeholder_is_the_callers_error_and_stores_nothing(user_factory):
    user = user_factory()
    with pytest.raises(ContextError, match="test.topped_up needs context 'serial'"):
        notify(user, "test.topped_up", {"amount": CONTEXT["amount"], "balance": CONTEXT["balance"]})
    assert Notification.objects.count() == 0


def test_preferences_turn_channels_off_but_never_a_required_one(user_factory):
    user = user_factory(phone="+628123456789")
    event = account_events.NEW_DEVICE_LOGIN
    preferences_set(user=user, choices={("security", "push"): False, ("security", "sms"): True})
    from core.notifications.events import event_get

    assert channels_for(user, event_get(event)) == {EMAIL, SMS, IN_APP}

    with pytest.raises(PreferenceError, match="security/email is required"):
        preferences_set(
            user=user, choices={("security", "in_app"): False, ("security", "email"): False}
        )
    # All or nothing: the in-app choice in the refused request was not stored either.
    assert not Preference.objects.filter(user=user, channel="in_app").exists()


def test_sms_needs_a_phone_number(user_factory):
    user = user_factory(phone="")
    preferences_set(user=user, choices={("balance", "sms"): True})
    from core.notifications.events import event_get

    assert SMS not in channels_for(user, event_get("test.topped_up"))


def test_unknown_categories_and_channels_are_refused(user_factory):
    user = user_factory()
    with pytest.raises(PreferenceError, match="Unknown category 'weather'"):
        preferences_set(user=user, choices={("weather", "email"): True})
    assert Preference.objects.count() == 0


def test_every_channel_off_means_no_notification(user_factory):
    user = user_factory()
    preferences_set(
        user=user,
        choices={("balance", c): False for c in (EMAIL, SMS, PUSH, IN_APP)},
    )
    assert notify(user, "test.topped_up", CONTEXT) is None
    assert Notification.objects.count() == 0


def test_the_same_dedupe_key_notifies_once(user_factory, django_capture_on_commit_callbacks):
    user = user_factory()
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(user, "test.topped_up", CONTEXT, dedupe_key="topup:91")
        second = notify(user, "test.topped_up", CONTEXT, dedupe_key="topup:91")
    assert first is not None
    assert second is not None
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_inactive_user_is_not_notified(user_factory):
    user = user_factory(is_active=False)
    assert notify(user, "test.topped_up", CONTEXT) is None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_caller_sends_nothing(user_factory):
    user = user_factory()
    with transaction.atomic():
        notify(user, "test.topped_up", CONTEXT)
        transaction.set_rollback(True)  # the top-up failed
    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert mail.outbox == []
    assert LiveEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_deliveries_and_the_live_event_wait_for_the_commit(user_factory):
    user = user_factory()
    with transaction.atomic():
        notification = notify(user, "test.topped_up", CONTEXT)
        assert mail.outbox == []
        assert Delivery.objects.get().status == DeliveryStatus.QUEUED
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    live = LiveEvent.objects.get()
    assert (live.audience, live.kind) == (f"user:{user.pk}", "notification")
    assert live.data == {
        "id": notification.pk,
        "event": "test.topped_up",
        "title": "Top-up of Rp 150,000 received",
        "body": "Meter IW-0042 now has Rp 162,500. Thank you.",
        "link": "",
        "unread": 1,
    }


def test_read_state_is_per_user(user_factory):
    owner, other = user_factory(), user_factory()
    first = notify(owner, "test.topped_up", CONTEXT)
    notify(owner, "test.topped_up", CONTEXT)
    assert unread_count(owner) == 2

    assert mark_read(user=other, notification_id=first.pk) is False
    assert unread_count(owner) == 2

    assert mark_read(user=owner, notification_id=first.pk) is True
    assert unread_count(owner) == 1
    assert mark_read(user=owner, notification_id=first.pk) is True  # already read: still theirs
    assert mark_all_read(user=owner) == 1
    assert unread_count(owner) == 0


def test_the_preferences_grid_marks_required_and_unused_channels(user_factory):
    user = user_factory()
    security = next(row for row in preferences_grid(user) if row[0].category == "security")
    cells = {cell.channel: (cell.available, cell.required, cell.enabled) for cell in security}
    assert cells == {
        "email": (True, True, True),
        "sms": (True, False, False),
        "push": (True, False, True),
        "in_app": (True, False, True),
    }
