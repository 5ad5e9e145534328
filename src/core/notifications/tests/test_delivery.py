"""Delivering over a real SMTP server: language, parts, links, retries, failure, claims."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.accounts import events as account_events
from core.accounts.services.mail import send_password_reset_email, send_verification_email
from core.notifications.models import Channel, Delivery, DeliveryStatus, Notification
from core.notifications.services import deliveries_requeue_stale, notify, preferences_set
from core.notifications.tasks import MAX_ATTEMPTS, deliver
from core.tasks.queue import huey

# Real commits: deliveries are queued by on_commit callbacks, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_queue():
    huey.flush()
    yield
    huey.flush()


def _parts(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_verification_email_reaches_the_smtp_server_in_indonesian(smtp_server, user_factory):
    user = user_factory(email="sari@example.id", language="id", email_verified_at=None)

    send_verification_email(user_id=user.pk)

    [message] = smtp_server.messages
    assert message["Subject"] == "Konfirmasi alamat email Anda"
    assert message["To"] == "sari@example.id"
    assert message["Content-Language"] == "id"
    text, html = _parts(message)
    assert "http://127.0.0.1:8000/accounts/verify-email/?token=" in text
    assert 'href="http://127.0.0.1:8000/accounts/verify-email/?token=' in html
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.status, delivery.attempts) == ("email", "sent", 1)
    assert delivery.provider_id == message["Message-ID"]
    # The link's token is minted when the mail is sent, never stored with the notification.
    assert "token" not in str(Notification.objects.get().context)


def test_password_reset_email_in_english_with_a_single_use_link(smtp_server, user_factory):
    user = user_factory(email="ops@example.tt", language="en")

    send_password_reset_email(user_id=user.pk)

    [message] = smtp_server.messages
    assert message["Subject"] == "Reset your password"
    text, _ = _parts(message)
    assert "http://127.0.0.1:8000/accounts/password/reset/" in text
    assert "expires in 60 minutes" in text


def test_a_temporary_smtp_refusal_is_retried_with_back_off_then_sent(smtp_server, user_factory):
    smtp_server.replies = ["451 4.3.0 Mailbox busy, try later"]
    user = user_factory()

    notify(user, account_events.MFA_ENABLED)

    delivery = Delivery.objects.get(channel=Channel.EMAIL)
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert delivery.last_error.startswith("451: SMTP 451")
    [retry] = huey.scheduled()
    assert retry.name == "notifications.deliver"
    huey.storage.flush_schedule()
    huey.execute(retry, retry.eta)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert [m["Subject"] for m in smtp_server.messages] == ["Two-step verification is on"]


def test_a_permanent_refusal_fails_at_once_and_is_reported(smtp_server, user_factory, caplog):
    smtp_server.replies = ["550 5.1.1 No such user here"]
    user = user_factory()

    notify(user, account_events.MFA_ENABLED)

    delivery = Delivery.objects.get(channel=Channel.EMAIL)
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error.startswith("550: SMTP 550")
    assert huey.scheduled() == []
    assert "notification_delivery_failed" in caplog.text


def test_a_delivery_that_keeps_failing_gives_up_after_the_last_attempt(smtp_server, user_factory):
    smtp_server.replies = ["421 4.7.0 Try again later"] * MAX_ATTEMPTS
    user = user_factory()

    notify(user, account_events.MFA_ENABLED)
    for _ in range(MAX_ATTEMPTS - 1):
        [retry] = huey.scheduled()
        huey.storage.flush_schedule()
        huey.execute(retry, retry.eta)

    delivery = Delivery.objects.get(channel=Channel.EMAIL)
    assert (delivery.status, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert huey.scheduled() == []
    assert smtp_server.messages == []


def test_running_a_delivery_twice_sends_once(smtp_server, user_factory):
    user = user_factory()
    notify(user, account_events.MFA_ENABLED)
    delivery = Delivery.objects.get(channel=Channel.EMAIL)

    assert deliver.call_local(delivery.pk) == "not-claimed"
    assert len(smtp_server.messages) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_a_delivery_claimed_by_another_worker_is_left_alone(user_factory):
    user = user_factory()
    preferences_set(user=user, choices={("security", "push"): False})
    notification = Notification.objects.create(
        user=user, event=account_events.MFA_ENABLED, category="security", title="t", body="b"
    )
    delivery = Delivery.objects.create(
        notification=notification,
        channel=Channel.EMAIL,
        claimed_until=timezone.now() + timedelta(minutes=1),
    )
    assert deliver.call_local(delivery.pk) == "not-claimed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("queued", 0)


def test_push_without_a_subscription_is_skipped(user_factory):
    user = user_factory()
    notify(user, account_events.MFA_ENABLED)
    push = Delivery.objects.get(channel=Channel.PUSH)
    assert push.status == DeliveryStatus.SKIPPED
    assert push.attempts == 1


def test_stale_queued_deliveries_are_queued_again(smtp_server, user_factory):
    user = user_factory()
    notification = Notification.objects.create(
        user=user,
        event=account_events.MFA_ENABLED,
        category="security",
        title="Two-step verification is on",
        body="b",
    )
    delivery = Delivery.objects.create(notification=notification, channel=Channel.EMAIL)
    Delivery.objects.filter(pk=delivery.pk).update(
        updated_at=timezone.now() - timedelta(minutes=20)
    )
    fresh = Delivery.objects.create(
        notification=Notification.objects.create(
            user=user, event=account_events.MFA_ENABLED, category="security", title="t", body="b"
        ),
        channel=Channel.EMAIL,
    )

    assert deliveries_requeue_stale() == 1
    delivery.refresh_from_db()
    fresh.refresh_from_db()
    assert delivery.status == "sent"
    assert fresh.status == "queued"
    assert len(smtp_server.messages) == 1


# Imports stay local below: this part was appended to the module as it stood.
ATTACHMENT_CALLS: list[tuple[dict, str]] = []


def _statement(context: dict, language: str) -> list:
    from core.notifications.events import Attachment

    ATTACHMENT_CALLS.append((context, language))
    body = f"Statement {context['number']} ({language})".encode()
    return [Attachment(f"statement-{context['number']}.bin", body, "application/octet-stream")]


@pytest.fixture
def statement_event() -> str:
    from core.notifications.events import EMAIL, IN_APP, PUSH, Category, EventType, register

    register(
        EventType(
            key="test.statement",
            category=Category.PAYMENTS,
            title="Your statement %(number)s",
            body="Attached.",
            defaults=frozenset({EMAIL, PUSH, IN_APP}),
            email_attachments=_statement,
        )
    )
    ATTACHMENT_CALLS.clear()
    return "test.statement"


def test_an_events_attachments_are_built_at_send_time_for_email_only(
    smtp_server, user_factory, statement_event
):
    user = user_factory(language="id")

    notify(user, statement_event, {"number": "S-7"})

    [message] = smtp_server.messages
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "statement-S-7.bin"
    assert attachment.get_content_type() == "application/octet-stream"
    assert attachment.get_content() == b"Statement S-7 (id)"
    # Once, for the email: the push delivery (skipped here, no subscription) never builds it.
    assert ATTACHMENT_CALLS == [({"number": "S-7"}, "id")]
    assert Notification.objects.get().context == {"number": "S-7"}
    statuses = dict(Delivery.objects.values_list("channel", "status"))
    assert statuses == {"email": "sent", "push": "skipped"}
