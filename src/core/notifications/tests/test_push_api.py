"""The web push API: the public key and the caller's own subscriptions.

Until the notifications router mounts `push_api.router`, these tests serve it from a
PlatformAPI of their own with the project's auth, throttle and problem+json handlers.
"""

from __future__ import annotations

import base64
import secrets

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.serializers.json import DjangoJSONEncoder
from django.test import override_settings
from django.urls import path

from core.accounts.tokens import access_token_encode
from core.api.auth import API_AUTH
from core.api.base import PlatformAPI
from core.api.errors import install_error_handlers
from core.api.throttling import RateLimit
from core.notifications.models import PushSubscription
from core.notifications.push_api import router
from core.notifications.vapid import vapid_keys_generate

_api = PlatformAPI(urls_namespace="push-api-test", auth=API_AUTH, throttle=[RateLimit()])
install_error_handlers(_api)
_api.add_router("v1/", router)
urlpatterns = [path("api/", _api.urls)]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]

KEYS = vapid_keys_generate()
BASE = "/api/v1/notifications/push"
ENDPOINT = "https://fcm.googleapis.com/fcm/send/dXNlci0x:APA91b"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_keys() -> dict[str, str]:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64url(point), "auth": b64url(secrets.token_bytes(16))}


def bearer(user) -> dict[str, str]:
    token = access_token_encode(user_id=user.pk, tenant_id=None, roles=[])
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client, user, body, **extra):
    return client.post(
        f"{BASE}/subscriptions", body, content_type="application/json", **bearer(user), **extra
    )


@pytest.fixture(autouse=True)
def _vapid():
    with override_settings(VAPID_PRIVATE_KEY=KEYS.private, VAPID_PUBLIC_KEY=KEYS.public):
        yield


# ---------------------------------------------------------------------------- key


def test_the_public_key_is_given_to_signed_in_callers(client, user_factory):
    response = client.get(f"{BASE}/key", **bearer(user_factory()))

    assert response.status_code == 200
    assert response.json() == {"public_key": KEYS.public}


def test_the_public_key_needs_a_signed_in_caller(client):
    response = client.get(f"{BASE}/key")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_without_vapid_keys_the_key_answers_503(client, user_factory):
    with override_settings(VAPID_PRIVATE_KEY="", VAPID_PUBLIC_KEY=""):
        response = client.get(f"{BASE}/key", **bearer(user_factory()))

    assert response.status_code == 503
    assert response.json()["code"] == "push_not_configured"


# ---------------------------------------------------------------------------- subscribe


def test_a_browser_subscription_is_saved(client, user_factory):
    user = user_factory()
    keys = browser_keys()

    response = post(
        client,
        user,
        {"endpoint": ENDPOINT, "expirationTime": None, "keys": keys},
        HTTP_USER_AGENT="Firefox/140",
    )

    assert response.status_code == 201
    row = PushSubscription.objects.get()
    assert response.json() == {
        "id": row.pk,
        "endpoint": ENDPOINT,
        "user_agent": "Firefox/140",
        "created_at": DjangoJSONEncoder().default(row.created_at),
        "last_success_at": None,
    }
    assert (row.user_id, row.endpoint, row.p256dh, row.auth) == (
        user.pk,
        ENDPOINT,
        keys["p256dh"],
        keys["auth"],
    )


def test_padded_keys_are_stored_without_padding(client, user_factory):
    keys = browser_keys()

    response = post(
        client,
        user_factory(),
        {
            "endpoint": ENDPOINT,
            "keys": {"p256dh": keys["p256dh"] + "=", "auth": keys["auth"] + "=="},
        },
    )

    assert response.status_code == 201
    row = PushSubscription.objects.get()
    assert (row.p256dh, row.auth) == (keys["p256dh"], keys["auth"])


def test_subscribing_again_updates_the_same_row(client, user_factory):
    user = user_factory()
    first = post(client, user, {"endpoint": ENDPOINT, "keys": browser_keys()})
    PushSubscription.objects.update(failures=3)
    new_keys = browser_keys()

    second = post(client, user, {"endpoint": ENDPOINT, "keys": new_keys})

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    row = PushSubscription.objects.get()
    assert (row.p256dh, row.auth, row.failures) == (new_keys["p256dh"], new_keys["auth"], 0)


def test_an_endpoint_subscribed_by_another_user_moves_to_them(client, user_factory):
    first_owner, second_owner = user_factory(), user_factory()
    post(client, first_owner, {"endpoint": ENDPOINT, "keys": browser_keys()})

    response = post(client, second_owner, {"endpoint": ENDPOINT, "keys": browser_keys()})

    assert response.status_code == 200
    assert list(PushSubscription.objects.values_list("user_id", flat=True)) == [second_owner.pk]


def _not_a_point() -> str:
    return b64url(b"\x04" + b"\x01" * 64)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"endpoint": "http://push.example.com/x", "keys": None}, "endpoint"),
        ({"endpoint": "https://10.1.2.3/push/x", "keys": None}, "endpoint"),
        ({"endpoint": "https://127.0.0.1:8443/push/x", "keys": None}, "endpoint"),
        ({"endpoint": "https://[::1]/push/x", "keys": None}, "endpoint"),
        ({"endpoint": "https://localhost/push/x", "keys": None}, "endpoint"),
        ({"endpoint": "https://internal.corp.example/push/x", "keys": None}, "endpoint"),
        ({"endpoint": "https://fcm.googleapis.com.evil.example/x", "keys": None}, "endpoint"),
        ({"endpoint": "https://user:pw@push.example.com/x", "keys": None}, "endpoint"),
        ({"endpoint": "/relative/path", "keys": None}, "endpoint"),
        ({"endpoint": ENDPOINT, "keys": {"p256dh": b64url(b"\x04" * 33)}}, "keys.p256dh"),
        ({"endpoint": ENDPOINT, "keys": {"p256dh": _not_a_point()}}, "keys.p256dh"),
        ({"endpoint": ENDPOINT, "keys": {"p256dh": "not*base64"}}, "keys.p256dh"),
        ({"endpoint": ENDPOINT, "keys": {"auth": b64url(b"a" * 15)}}, "keys.auth"),
        ({"endpoint": ENDPOINT, "keys": {"auth": b64url(b"a" * 17)}}, "keys.auth"),
        ({"endpoint": ENDPOINT, "keys": None, "user": 1}, "user"),
    ],
)
def test_a_bad_subscription_is_refused_and_nothing_is_saved(client, user_factory, body, field):
    keys = {**browser_keys(), **(body["keys"] or {})}
    body = {**body, "keys": keys}

    response = post(client, user_factory(), body)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert PushSubscription.objects.count() == 0


def test_http_endpoints_are_accepted_only_for_listed_hosts(client, user_factory):
    user = user_factory()
    endpoint = "http://127.0.0.1:8123/push/abc"

    refused = post(client, user, {"endpoint": endpoint, "keys": browser_keys()})
    with override_settings(PUSH_INSECURE_HOSTS=["127.0.0.1"]):
        accepted = post(client, user, {"endpoint": endpoint, "keys": browser_keys()})

    assert (refused.status_code, accepted.status_code) == (422, 201)
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [endpoint]


def test_subscribing_needs_a_signed_in_caller(client):
    response = client.post(
        f"{BASE}/subscriptions",
        {"endpoint": ENDPOINT, "keys": browser_keys()},
        content_type="application/json",
    )

    assert response.status_code == 401
    assert PushSubscription.objects.count() == 0


# ---------------------------------------------------------------------------- list and delete


def _row(user, n: int) -> PushSubscription:
    keys = browser_keys()
    return PushSubscription.objects.create(
        user=user, endpoint=f"{ENDPOINT}-{n}", p256dh=keys["p256dh"], auth=keys["auth"]
    )


def test_the_list_shows_only_the_callers_own_newest_first(
    client, user_factory, django_assert_num_queries
):
    user, other = user_factory(), user_factory()
    older, newer = _row(user, 1), _row(user, 2)
    _row(other, 3)
    headers = bearer(user)

    with django_assert_num_queries(3):  # the caller, the count, the rows
        response = client.get(f"{BASE}/subscriptions", **headers)

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["limit"], body["offset"]) == (2, 50, 0)
    assert [item["id"] for item in body["items"]] == [newer.pk, older.pk]


def test_a_subscription_is_deleted_by_its_owner(client, user_factory):
    user = user_factory()
    row, kept = _row(user, 1), _row(user, 2)

    response = client.delete(f"{BASE}/subscriptions/{row.pk}", **bearer(user))

    assert response.status_code == 204
    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [kept.pk]


def test_another_users_subscription_answers_404_and_stays(client, user_factory):
    owner, intruder = user_factory(), user_factory()
    row = _row(owner, 1)

    response = client.delete(f"{BASE}/subscriptions/{row.pk}", **bearer(intruder))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert PushSubscription.objects.filter(pk=row.pk, user=owner).exists() is True


def test_deleting_needs_a_signed_in_caller(client, user_factory):
    row = _row(user_factory(), 1)

    response = client.delete(f"{BASE}/subscriptions/{row.pk}")

    assert response.status_code == 401
    assert PushSubscription.objects.filter(pk=row.pk).exists() is True
