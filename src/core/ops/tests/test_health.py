"""Liveness and readiness: each dependency is made to fail for real, one at a time."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import connections
from django.test import override_settings
from django.urls import reverse

from core.ops.health import mqtt_ping, readiness
from core.ops.tests.conftest import closed_port

ALL_OK_EMBEDDED = {"database": "ok", "cache": "ok", "broker": "embedded", "queue": "embedded"}
# Tests run tasks inline: the queue check reports that backend, empty, with no scheduler yet.
INLINE_QUEUE = {"backend": "inline", "pending": 0, "scheduled": 0, "last_tick_age": None}


def _unreachable_postgres() -> dict[str, object]:
    base = connections.settings["default"]
    return {
        **base,
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "PORT": str(closed_port()),
        "NAME": "platform",
        "USER": "postgres",
        "PASSWORD": "",
        "OPTIONS": {"connect_timeout": 2},
    }


def _closed_redis() -> dict[str, dict[str, object]]:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_healthz_is_ok_even_when_every_dependency_is_down(client):
    # No `db` fixture: pytest-django fails the test if the view touched the database.
    with override_settings(CACHES=_closed_redis(), MQTT_URL=f"mqtt://127.0.0.1:{closed_port()}"):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_healthz_refuses_post(client):
    response = client.post("/healthz")

    assert response.status_code == 405


@pytest.mark.django_db
@override_settings(MQTT_URL=None)
def test_readyz_is_ok_in_embedded_mode(client):
    response = client.get(reverse("ops:readyz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": ALL_OK_EMBEDDED, "queue": INLINE_QUEUE}


@pytest.fixture
def broker_url(request) -> str:
    """The real broker when MQTT_URL is configured (CI's second run), else a tiny local one."""
    if settings.MQTT_URL:
        return str(settings.MQTT_URL)
    return str(request.getfixturevalue("tiny_broker").url)


@pytest.mark.django_db
def test_readyz_is_ok_when_the_broker_accepts(client, broker_url):
    with override_settings(MQTT_URL=broker_url):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok", "queue": "embedded"},
        "queue": INLINE_QUEUE,
    }


@pytest.mark.django_db
@override_settings(MQTT_URL=None)
def test_readyz_names_the_database_when_postgres_is_unreachable(client, monkeypatch):
    monkeypatch.setitem(connections.settings, "default", _unreachable_postgres())

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {
            "database": "error: OperationalError",
            "cache": "ok",
            "broker": "embedded",
            "queue": "embedded",
        },
        "queue": INLINE_QUEUE,
    }


@pytest.mark.django_db
@override_settings(MQTT_URL=None)
def test_readyz_names_the_cache_when_redis_is_unreachable(client):
    with override_settings(CACHES=_closed_redis()):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {
            "database": "ok",
            "cache": "error: ConnectionError",
            "broker": "embedded",
            "queue": "embedded",
        },
        "queue": INLINE_QUEUE,
    }


@pytest.mark.django_db
def test_readyz_names_the_broker_when_its_port_is_closed(client):
    with override_settings(MQTT_URL=f"mqtt://127.0.0.1:{closed_port()}"):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "broker": "error: ConnectionRefusedError",
            "queue": "embedded",
        },
        "queue": INLINE_QUEUE,
    }


@pytest.mark.django_db
def test_readyz_names_the_broker_when_it_refuses_the_credentials(client, refusing_broker):
    with override_settings(MQTT_URL=f"mqtt://meter:wrong@127.0.0.1:{refusing_broker.port}"):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "cache": "ok",
        "broker": "error: broker refused the connection: Not authorized",
        "queue": "embedded",
    }
    assert b"meter" in refusing_broker.connects[0]  # the username went out in CONNECT


@pytest.mark.django_db
@override_settings(MQTT_URL=None)
def test_readyz_names_every_failing_check(client, monkeypatch):
    monkeypatch.setitem(connections.settings, "default", _unreachable_postgres())
    with override_settings(CACHES=_closed_redis()):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "error: OperationalError",
        "cache": "error: ConnectionError",
        "broker": "embedded",
        "queue": "embedded",
    }


def test_mqtt_ping_opens_and_closes_a_session(tiny_broker):
    mqtt_ping(tiny_broker.url, timeout=2)

    deadline = time.monotonic() + 2
    while tiny_broker.disconnects == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(tiny_broker.connects) == 1
    assert tiny_broker.connects[0][:1] == b"\x10"  # an MQTT CONNECT packet
    assert tiny_broker.disconnects == 1


def test_mqtt_ping_gives_up_on_a_broker_that_never_answers(silent_broker):
    started = time.monotonic()

    with pytest.raises(Exception, match=r"no CONNACK within 0\.3s"):
        mqtt_ping(silent_broker.url, timeout=0.3)

    assert time.monotonic() - started < 1.5


def test_mqtt_ping_rejects_other_schemes():
    with pytest.raises(Exception, match="unsupported broker URL scheme 'http'"):
        mqtt_ping("http://127.0.0.1:1883")


@pytest.mark.django_db
def test_readiness_does_not_wait_for_a_hung_check(silent_broker, monkeypatch):
    monkeypatch.setattr("core.ops.health.BROKER_TIMEOUT", 5.0)
    started = time.monotonic()

    with override_settings(MQTT_URL=silent_broker.url):
        result = readiness(timeout=0.5)

    assert time.monotonic() - started < 1.5
    assert result.checks == {
        "database": "ok",
        "cache": "ok",
        "broker": "error: timeout",
        "queue": "embedded",
    }
    assert result.ready is False
