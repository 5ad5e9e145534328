"""Twilio status callbacks: signature checked, Delivery moved forward, never backward.

Until the notifications URLs mount `twilio_status_callback`, these tests serve it at the
suggested path from a URLconf of their own.
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import path

from core.notifications.models import Delivery, Notification
from core.notifications.sms_webhooks import twilio_signature, twilio_status_callback
from core.notifications.tests.servers.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    FakeTwilio,
    sign,
)
from core.notifications.transports.base import Outbound
from core.notifications.transports.sms import SmsTransport

urlpatterns = [path("notifications/sms/status/", twilio_status_callback)]
pytestmark = pytest.mark.urls(__name__)

BASE_URL = "https://platform.example.test"
URL = "/notifications/sms/status/"
SID = "SM" + "5" * 32


@pytest.fixture(autouse=True)
def _twilio_settings():
    with override_settings(TWILIO_AUTH_TOKEN=AUTH_TOKEN, PUBLIC_BASE_URL=BASE_URL):
        yield


def sms_delivery(user, *, status="sent", sid=SID) -> Delivery:
    notification = Notification.objects.create(
        user=user, event="water.balance_low", category="billing", title="Low", body="Low"
    )
    return Delivery.objects.create(
        notification=notification, channel="sms", status=status, provider_id=sid, attempts=1
    )


def callback(client, status: str, *, error_code: str = "", sid: str = SID, signature=None):
    form = {"AccountSid": ACCOUNT_SID, "MessageSid": sid, "MessageStatus": status, "To": "+62811"}
    if error_code:
        form["ErrorCode"] = error_code
    signed = sign(AUTH_TOKEN, BASE_URL + URL, form) if signature is None else signature
    return client.post(URL, form, HTTP_X_TWILIO_SIGNATURE=signed)


def state(delivery: Delivery) -> tuple:
    delivery.refresh_from_db()
    return (delivery.status, delivery.delivered_at, delivery.last_error)


def test_the_signature_matches_twilios_documented_example():
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }

    signature = twilio_signature(
        "12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params.items()
    )

    assert signature == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


@pytest.mark.django_db
def test_delivered_marks_the_delivery_delivered(client, user_factory):
    delivery = sms_delivery(user_factory())

    response = callback(client, "delivered")

    assert response.status_code == 204
    status, delivered_at, last_error = state(delivery)
    assert (status, last_error) == ("delivered", "")
    assert delivered_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("outcome", ["undelivered", "failed"])
def test_undelivered_and_failed_mark_it_failed_with_the_code(client, user_factory, outcome):
    delivery = sms_delivery(user_factory())

    response = callback(client, outcome, error_code="30003")

    assert response.status_code == 204
    assert state(delivery) == ("failed", None, f"twilio {outcome}: error 30003")


@pytest.mark.django_db
def test_a_late_failure_never_moves_a_delivered_one_back(client, user_factory):
    delivery = sms_delivery(user_factory())
    callback(client, "delivered")
    before = state(delivery)

    late_failed = callback(client, "failed", error_code="30008")
    late_sent = callback(client, "sent")
    repeated = callback(client, "delivered")

    assert [r.status_code for r in (late_failed, late_sent, repeated)] == [204, 204, 204]
    assert state(delivery) == before


@pytest.mark.django_db
@pytest.mark.parametrize("intermediate", ["queued", "sending", "sent", "accepted"])
def test_intermediate_statuses_change_nothing(client, user_factory, intermediate):
    delivery = sms_delivery(user_factory())

    response = callback(client, intermediate)

    assert response.status_code == 204
    assert state(delivery) == ("sent", None, "")


@pytest.mark.django_db
def test_an_unknown_sid_is_acknowledged_and_changes_nothing(client, user_factory):
    delivery = sms_delivery(user_factory())

    response = callback(client, "delivered", sid="SM" + "9" * 32)

    assert response.status_code == 204
    assert state(delivery) == ("sent", None, "")


@pytest.mark.django_db
def test_only_sms_deliveries_are_touched(client, user_factory):
    delivery = sms_delivery(user_factory())
    Delivery.objects.filter(pk=delivery.pk).update(channel="email")

    callback(client, "delivered")

    assert state(delivery) == ("sent", None, "")


SENT_FORM = {
    "AccountSid": ACCOUNT_SID,
    "MessageSid": SID,
    "MessageStatus": "failed",
    "To": "+62811",
    "ErrorCode": "30003",
}
BAD_SIGNATURES = {
    "missing": "",
    "garbage": "bm90IGEgc2lnbmF0dXJl",
    "other-token": sign("another-token", BASE_URL + URL, SENT_FORM),
    "other-url": sign(AUTH_TOKEN, "https://elsewhere.example.test" + URL, SENT_FORM),
    "tampered-params": sign(AUTH_TOKEN, BASE_URL + URL, {**SENT_FORM, "MessageStatus": "sent"}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("signature", BAD_SIGNATURES.values(), ids=BAD_SIGNATURES.keys())
def test_a_bad_signature_is_403_and_changes_nothing(client, user_factory, signature):
    delivery = sms_delivery(user_factory())

    response = callback(client, "failed", error_code="30003", signature=signature)

    assert response.status_code == 403
    assert state(delivery) == ("sent", None, "")


def test_the_same_form_with_the_right_signature_is_accepted(client, user_factory, db):
    delivery = sms_delivery(user_factory())

    response = callback(client, "failed", error_code="30003")

    assert response.status_code == 204
    assert state(delivery)[0] == "failed"


@pytest.mark.django_db
def test_without_an_auth_token_every_callback_is_refused(client, user_factory):
    delivery = sms_delivery(user_factory())
    form = {"MessageSid": SID, "MessageStatus": "delivered"}

    with override_settings(TWILIO_AUTH_TOKEN=""):
        response = client.post(URL, form, HTTP_X_TWILIO_SIGNATURE=sign("", BASE_URL + URL, form))

    assert response.status_code == 403
    assert state(delivery) == ("sent", None, "")


def test_only_post_is_allowed(client):
    assert client.get(URL).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_end_to_end_twilio_calls_back_our_live_server(live_server, user_factory):
    user = user_factory(phone="+6281234567890")
    delivery = sms_delivery(user, status="queued", sid="")
    with (
        FakeTwilio() as twilio,
        override_settings(
            SMS_BACKEND="twilio",
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_FROM=FROM_NUMBER,
            TWILIO_API_BASE=twilio.api_base,
            PUBLIC_BASE_URL=live_server.url,
        ),
    ):
        sid = SmsTransport().send(
            Outbound(
                delivery_id=delivery.pk,
                event="water.balance_low",
                user=user,
                language="en",
                title="Low",
                text="Your balance is low.",
                html="",
                link="",
                urgent=False,
            )
        )
        Delivery.objects.filter(pk=delivery.pk).update(status="sent", provider_id=sid)
        [message] = twilio.received

        forged = twilio.status_callback(message, "failed", signature="AAAA")
        answered = twilio.status_callback(message, "delivered")

    assert message.status_callback == f"{live_server.url}/notifications/sms/status/"
    assert (forged.status_code, answered.status_code) == (403, 204)
    status, delivered_at, _ = state(delivery)
    assert status == "delivered"
    assert delivered_at is not None
