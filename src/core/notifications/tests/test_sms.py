"""The SMS transport against a local Twilio API, and the file backend."""

from __future__ import annotations

import socket

import pytest
from django.test import override_settings

from core.notifications.tests.servers.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio
from core.notifications.transports.base import (
    NothingToDeliver,
    Outbound,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from core.notifications.transports.sms import SmsTransport, sms_body

BASE_URL = "https://platform.example.test"
CALLBACK = "https://platform.example.test/notifications/sms/status/"


def outbound(user, *, text="Your balance is low: Rp 4.500.", link="", delivery_id=7) -> Outbound:
    return Outbound(
        delivery_id=delivery_id,
        event="water.balance_low",
        user=user,
        language="en",
        title="Balance low",
        text=text,
        html="",
        link=link,
        urgent=False,
    )


@pytest.fixture
def twilio():
    with (
        FakeTwilio() as server,
        override_settings(
            SMS_BACKEND="twilio",
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            TWILIO_FROM=FROM_NUMBER,
            TWILIO_API_BASE=server.api_base,
            PUBLIC_BASE_URL=BASE_URL,
        ),
    ):
        yield server


@pytest.mark.django_db
def test_twilio_receives_the_form_and_the_sid_comes_back(twilio, user_factory):
    user = user_factory(phone="+6281234567890")
    message = outbound(user, link="https://platform.example.test/water/")

    sid = SmsTransport().send(message)

    [received] = twilio.received
    assert sid == received.sid
    assert sid.startswith("SM")
    assert len(sid) == 34
    assert received.to == "+6281234567890"
    assert received.from_ == FROM_NUMBER
    assert received.messaging_service_sid == ""
    assert received.body == "Your balance is low: Rp 4.500.\nhttps://platform.example.test/water/"
    assert received.status_callback == CALLBACK


@pytest.mark.django_db
def test_a_messaging_service_sid_is_sent_as_messaging_service_sid(twilio, user_factory):
    user = user_factory(phone="+18685551234")
    service = "MG" + "a" * 32

    with override_settings(TWILIO_FROM=service):
        SmsTransport().send(outbound(user))

    [received] = twilio.received
    assert (received.from_, received.messaging_service_sid) == ("", service)


@pytest.mark.django_db
def test_spacing_in_an_international_number_is_removed(twilio, user_factory):
    user = user_factory(phone="+62 812-3456 (7890)")

    SmsTransport().send(outbound(user))

    assert [m.to for m in twilio.received] == ["+6281234567890"]


@pytest.mark.django_db
def test_no_phone_is_nothing_to_deliver(twilio, user_factory):
    user = user_factory(phone="")

    with pytest.raises(NothingToDeliver):
        SmsTransport().send(outbound(user))

    assert twilio.received == []


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["081234567890", "6281234567890", "+0812345678", "+62abc"])
def test_a_number_not_in_international_format_is_refused_without_guessing(
    twilio, user_factory, phone
):
    user = user_factory(phone=phone)

    with pytest.raises(PermanentDeliveryError) as caught:
        SmsTransport().send(outbound(user))

    assert str(caught.value) == "phone number is not in international format"
    assert caught.value.provider_code == "invalid_phone"
    assert twilio.received == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("to", "code"),
    [("+15005550001", "21211"), ("+15005550004", "21610"), ("+15005550009", "21614")],
)
def test_twilio_refusing_the_number_is_permanent(twilio, user_factory, to, code):
    user = user_factory(phone=to)

    with pytest.raises(PermanentDeliveryError) as caught:
        SmsTransport().send(outbound(user))

    assert caught.value.provider_code == code
    assert caught.value.retry is False
    assert str(caught.value).startswith(f"Twilio 400 {code}: ")
    assert twilio.received == []


@pytest.mark.django_db
def test_bad_credentials_are_permanent(twilio, user_factory):
    user = user_factory(phone="+6281234567890")

    with (
        override_settings(TWILIO_AUTH_TOKEN="not-the-token"),
        pytest.raises(PermanentDeliveryError) as caught,
    ):
        SmsTransport().send(outbound(user))

    assert caught.value.provider_code == "20003"
    assert str(caught.value) == "Twilio 401 20003: Authenticate"
    assert twilio.received == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("to", "code"),
    [("+15005550429", "20429"), ("+15005550500", "20500"), ("+15005550503", "20503")],
)
def test_rate_limits_and_server_errors_are_transient(twilio, user_factory, to, code):
    user = user_factory(phone=to)

    with pytest.raises(TransientDeliveryError) as caught:
        SmsTransport().send(outbound(user))

    assert caught.value.provider_code == code
    assert caught.value.retry is True


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_an_unreachable_twilio_is_transient(twilio, user_factory):
    user = user_factory(phone="+6281234567890")

    with (
        override_settings(TWILIO_API_BASE=f"http://127.0.0.1:{_closed_port()}"),
        pytest.raises(TransientDeliveryError) as caught,
    ):
        SmsTransport().send(outbound(user))

    assert caught.value.provider_code == "network"


@pytest.mark.django_db
def test_missing_twilio_settings_fail_permanently(user_factory):
    user = user_factory(phone="+6281234567890")

    with (
        override_settings(SMS_BACKEND="twilio", TWILIO_ACCOUNT_SID=""),
        pytest.raises(PermanentDeliveryError) as caught,
    ):
        SmsTransport().send(outbound(user))

    assert caught.value.provider_code == "sms_not_configured"


def test_a_long_text_is_shortened_so_text_and_link_fit_1600(user_factory):
    link = "https://platform.example.test/n/42"
    message = outbound(user=None, text="x" * 2000, link=link)

    body = sms_body(message)

    assert len(body) == 1600
    assert body == "x" * (1600 - len(link) - 2) + "…\n" + link


def test_a_text_without_link_is_sent_as_is():
    assert sms_body(outbound(user=None, text=" Hello \n")) == "Hello"


@pytest.mark.django_db
def test_the_file_backend_writes_one_file_per_message(tmp_path, user_factory):
    user = user_factory(phone="+6281234567890")

    with override_settings(SMS_BACKEND="file", SMS_FILE_PATH=tmp_path / "sms"):
        first = SmsTransport().send(outbound(user, delivery_id=11))
        second = SmsTransport().send(outbound(user, delivery_id=12, link="https://x.test/a"))

    by_id = {p.name.split("-")[-1].removesuffix(".sms"): p for p in (tmp_path / "sms").iterdir()}
    assert first.startswith("file-")
    assert len(first) == 5 + 32
    assert sorted(by_id) == sorted([first[5:], second[5:]])
    one = by_id[first[5:]].read_text().split("\n")
    two = by_id[second[5:]].read_text().split("\n")
    assert one[:2] == ["To: +6281234567890", "Delivery: 11"]
    assert one[4:] == ["Your balance is low: Rp 4.500.", ""]
    assert two[:2] == ["To: +6281234567890", "Delivery: 12"]
    assert two[4:] == ["Your balance is low: Rp 4.500.", "https://x.test/a", ""]
