"""The web push transport against a local push service that decrypts what it receives."""

from __future__ import annotations

import base64
import json
import socket
import stat
import time
from io import StringIO

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.test import override_settings
from django.urls import path

from core.notifications.models import PushSubscription
from core.notifications.tests.servers.push_service import FakePushService, Subscriber
from core.notifications.transports.base import (
    NothingToDeliver,
    Outbound,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from core.notifications.transports.webpush import WebPushTransport
from core.notifications.vapid import (
    VapidKeyError,
    ensure_local_vapid_keys,
    vapid_keys_check,
    vapid_keys_generate,
    vapid_public_key_of,
)
from core.notifications.web_push_views import SW_PATH, service_worker

SUBJECT = "mailto:push-test@platform.example.test"
KEYS = vapid_keys_generate()


def outbound(user, *, urgent=False) -> Outbound:
    return Outbound(
        delivery_id=9,
        event="water.credit_exhausted",
        user=user,
        language="id",
        title="Saldo habis",
        text="Saldo Anda Rp 0. Isi ulang agar air tetap mengalir.",
        html="",
        link="https://platform.example.test/water/",
        urgent=urgent,
    )


EXPECTED_PAYLOAD = {
    "title": "Saldo habis",
    "body": "Saldo Anda Rp 0. Isi ulang agar air tetap mengalir.",
    "url": "https://platform.example.test/water/",
    "event": "water.credit_exhausted",
}


@pytest.fixture
def push_service():
    with (
        FakePushService() as server,
        override_settings(
            VAPID_PRIVATE_KEY=KEYS.private, VAPID_PUBLIC_KEY=KEYS.public, VAPID_SUBJECT=SUBJECT
        ),
    ):
        yield server


def subscribe(service: FakePushService, user, *, state="ok", server_key=None) -> PushSubscription:
    browser: Subscriber = service.subscribe(server_key or KEYS.public, state=state)
    return PushSubscription.objects.create(
        user=user, endpoint=browser.endpoint, p256dh=browser.p256dh, auth=browser.auth
    )


@pytest.mark.django_db
def test_the_payload_arrives_encrypted_and_decrypts_exactly(push_service, user_factory):
    user = user_factory()
    row = subscribe(push_service, user)

    provider_id = WebPushTransport().send(outbound(user))

    [push] = push_service.received
    assert json.loads(push.payload) == EXPECTED_PAYLOAD
    assert (push.ttl, push.urgency) == (86400, "normal")
    assert push.claims["sub"] == SUBJECT
    assert push.claims["aud"] == push_service.origin
    assert provider_id == f"{push_service.origin}/message/{push.message_id}"
    row.refresh_from_db()
    assert row.last_success_at is not None
    assert row.failures == 0


@pytest.mark.django_db
def test_urgent_pushes_are_high_urgency_and_live_an_hour(push_service, user_factory):
    user = user_factory()
    subscribe(push_service, user)

    WebPushTransport().send(outbound(user, urgent=True))

    assert [(p.ttl, p.urgency) for p in push_service.received] == [(3600, "high")]


@pytest.mark.django_db
def test_every_browser_of_the_user_gets_it_and_only_theirs(push_service, user_factory):
    user, other = user_factory(), user_factory()
    mine = [subscribe(push_service, user), subscribe(push_service, user)]
    theirs = subscribe(push_service, other)

    WebPushTransport().send(outbound(user))

    tokens = sorted(p.token for p in push_service.received)
    assert tokens == sorted(row.endpoint.rsplit("/", 1)[1] for row in mine)
    assert theirs.endpoint.rsplit("/", 1)[1] not in tokens
    assert push_service.payloads() == [EXPECTED_PAYLOAD, EXPECTED_PAYLOAD]


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["gone", "not_found"])
def test_a_gone_subscription_is_pruned_and_all_gone_is_permanent(push_service, user_factory, state):
    user = user_factory()
    row = subscribe(push_service, user, state=state)

    with pytest.raises(PermanentDeliveryError) as caught:
        WebPushTransport().send(outbound(user))

    assert caught.value.provider_code == "subscriptions_gone"
    assert PushSubscription.objects.filter(pk=row.pk).exists() is False
    assert push_service.received == []


@pytest.mark.django_db
def test_one_accepted_is_success_and_the_gone_one_is_still_pruned(push_service, user_factory):
    user = user_factory()
    gone = subscribe(push_service, user, state="gone")
    alive = subscribe(push_service, user)

    provider_id = WebPushTransport().send(outbound(user))

    assert provider_id.startswith(f"{push_service.origin}/message/")
    assert list(PushSubscription.objects.filter(user=user).values_list("pk", flat=True)) == [
        alive.pk
    ]
    assert gone.pk != alive.pk


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["throttled", "unavailable"])
def test_throttling_and_outages_are_transient_and_keep_the_subscription(
    push_service, user_factory, state
):
    user = user_factory()
    row = subscribe(push_service, user, state=state)

    with pytest.raises(TransientDeliveryError) as caught:
        WebPushTransport().send(outbound(user))

    assert caught.value.provider_code == "push_unavailable"
    row.refresh_from_db()
    assert (row.failures, row.last_success_at) == (1, None)


@pytest.mark.django_db
def test_transient_beats_gone_when_nothing_was_accepted(push_service, user_factory):
    user = user_factory()
    gone = subscribe(push_service, user, state="gone")
    busy = subscribe(push_service, user, state="throttled")

    with pytest.raises(TransientDeliveryError):
        WebPushTransport().send(outbound(user))

    assert list(PushSubscription.objects.filter(user=user).values_list("pk", flat=True)) == [
        busy.pk
    ]
    assert gone.pk != busy.pk


@pytest.mark.django_db
def test_an_unreachable_push_service_is_transient(push_service, user_factory):
    user = user_factory()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    row = subscribe(push_service, user)
    PushSubscription.objects.filter(pk=row.pk).update(endpoint=f"http://127.0.0.1:{port}/push/x")

    with pytest.raises(TransientDeliveryError) as caught:
        WebPushTransport().send(outbound(user))

    assert str(caught.value) == "push service unreachable: ConnectionError"
    row.refresh_from_db()
    assert row.failures == 1


@pytest.mark.django_db
def test_too_large_is_permanent_for_that_subscription(push_service, user_factory):
    user = user_factory()
    row = subscribe(push_service, user, state="too_large")

    with pytest.raises(PermanentDeliveryError) as caught:
        WebPushTransport().send(outbound(user))

    assert caught.value.provider_code == "push_refused"
    assert str(caught.value) == "push service 413"
    row.refresh_from_db()
    assert row.failures == 1


@pytest.mark.django_db
def test_no_subscription_is_nothing_to_deliver(push_service, user_factory):
    user = user_factory()
    subscribe(push_service, user_factory())

    with pytest.raises(NothingToDeliver):
        WebPushTransport().send(outbound(user))

    assert push_service.received == []


@pytest.mark.django_db
def test_a_push_signed_with_another_vapid_key_is_refused(push_service, user_factory):
    user = user_factory()
    row = subscribe(push_service, user, server_key=vapid_keys_generate().public)

    with pytest.raises(PermanentDeliveryError) as caught:
        WebPushTransport().send(outbound(user))

    assert str(caught.value) == "push service 403"
    assert push_service.received == []
    assert PushSubscription.objects.filter(pk=row.pk).exists() is True


@pytest.mark.django_db
def test_without_vapid_keys_push_fails_permanently(push_service, user_factory):
    user = user_factory()
    subscribe(push_service, user)

    with override_settings(VAPID_PRIVATE_KEY=""), pytest.raises(PermanentDeliveryError) as caught:
        WebPushTransport().send(outbound(user))

    assert caught.value.provider_code == "vapid_missing"
    assert push_service.received == []


# ---------------------------------------------------------------------------- the server's checks


def _vapid_header(claims: dict, *, signer=None, key=KEYS.public) -> str:
    if signer is None:
        scalar = int.from_bytes(base64.urlsafe_b64decode(KEYS.private + "="), "big")
        signer = ec.derive_private_key(scalar, ec.SECP256R1())
    token = jwt.encode(claims, signer, algorithm="ES256")
    return f"vapid t={token}, k={key}"


@pytest.mark.parametrize(
    "problem", ["forged", "expired", "too_far", "wrong_audience", "no_subject"]
)
def test_the_push_service_refuses_a_bad_vapid_jwt(problem):
    with FakePushService() as service:
        browser = service.subscribe(KEYS.public)
        claims = {"aud": service.origin, "exp": int(time.time()) + 3600, "sub": SUBJECT}
        signer = None
        if problem == "forged":
            signer = ec.generate_private_key(ec.SECP256R1())
        elif problem == "expired":
            claims["exp"] = int(time.time()) - 60
        elif problem == "too_far":
            claims["exp"] = int(time.time()) + 25 * 3600
        elif problem == "wrong_audience":
            claims["aud"] = "https://elsewhere.example"
        else:
            del claims["sub"]

        response = requests.post(
            browser.endpoint,
            data=b"x",
            headers={
                "Authorization": _vapid_header(claims, signer=signer),
                "TTL": "60",
                "Content-Encoding": "aes128gcm",
            },
            timeout=5,
        )

    assert response.status_code == 401
    assert service.received == []


# ---------------------------------------------------------------------------- VAPID keys


def test_a_generated_pair_belongs_together():
    keys = vapid_keys_generate()

    assert vapid_public_key_of(keys.private) == keys.public
    assert len(keys.private) == 43  # 32 bytes, base64url without padding
    assert len(keys.public) == 87  # 65 bytes
    assert vapid_keys_check(keys.private, "").public == keys.public


def test_a_public_key_of_another_pair_is_refused():
    with pytest.raises(VapidKeyError, match="does not belong"):
        vapid_keys_check(KEYS.private, vapid_keys_generate().public)


@pytest.mark.parametrize("bad", ["not base64!", "AAAA", "A" * 43])
def test_a_malformed_private_key_is_refused(bad):
    with pytest.raises(VapidKeyError):
        vapid_public_key_of(bad)


def test_local_keys_are_made_once_and_kept_private(tmp_path):
    first = ensure_local_vapid_keys(tmp_path / "keys")
    second = ensure_local_vapid_keys(tmp_path / "keys")

    assert first == second
    assert vapid_public_key_of(first[0]) == first[1]
    mode = stat.S_IMODE((tmp_path / "keys" / "vapid.json").stat().st_mode)
    assert mode == 0o600


def test_generate_vapid_keys_prints_a_matching_pair():
    out = StringIO()

    call_command("generate_vapid_keys", stdout=out)

    lines = out.getvalue().splitlines()
    assert [line.split("=", 1)[0] for line in lines] == ["VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY"]
    private, public = (line.split("=", 1)[1] for line in lines)
    assert vapid_public_key_of(private) == public


# ---------------------------------------------------------------------------- service worker

urlpatterns = [path("sw.js", service_worker)]


@pytest.mark.urls(__name__)
def test_the_service_worker_is_served_at_the_root_with_its_headers(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    assert response.content == SW_PATH.read_bytes()
    assert b'addEventListener("push"' in response.content
    assert b'addEventListener("notificationclick"' in response.content


@pytest.mark.urls(__name__)
def test_the_service_worker_answers_only_get(client):
    assert client.post("/sw.js").status_code == 405
