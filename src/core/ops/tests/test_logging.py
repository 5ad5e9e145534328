"""JSON log lines carry the request id; one access line per request, free of credentials."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.test import RequestFactory, override_settings
from django.urls import ResolverMatch

from core.ops.middleware import loggable_path
from core.ops.tests.conftest import closed_port
from core.ops.views import healthz

REQUEST_ID = "req-0123456789abcdef"


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the configured JSON console handler writes, captured into a buffer."""
    console = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(console.formatter)
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def _records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _access(stream: io.StringIO) -> list[dict[str, object]]:
    return [r for r in _records(stream) if r.get("logger") == "core.ops.access"]


def test_a_request_logs_one_json_access_line_with_its_request_id(client, json_lines):
    response = client.get("/healthz?next=/x", headers={"X-Request-ID": REQUEST_ID})

    assert response["X-Request-ID"] == REQUEST_ID
    [line] = _access(json_lines)
    assert isinstance(line.pop("duration_ms"), float)
    assert isinstance(line.pop("timestamp"), str)
    assert line == {
        "event": "request",
        "level": "info",
        "logger": "core.ops.access",
        "method": "GET",
        "path": "/healthz",
        "status": 200,
        "request_id": REQUEST_ID,
        "user_id": None,
    }


def test_every_line_written_during_a_request_is_json_with_the_request_id(client, json_lines):
    client.get("/no-such-page-for-ops-tests", headers={"X-Request-ID": REQUEST_ID})

    records = _records(json_lines)
    assert [r["logger"] for r in records] == ["core.ops.access", "django.request"]
    assert {r["request_id"] for r in records} == {REQUEST_ID}
    assert records[0]["status"] == 404
    assert records[1]["event"] == "Not Found: /no-such-page-for-ops-tests"


def test_a_malformed_incoming_request_id_is_replaced(client, json_lines):
    response = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})

    minted = response["X-Request-ID"]
    assert len(minted) == 32
    assert _access(json_lines)[0]["request_id"] == minted


@pytest.mark.django_db
def test_the_access_line_names_the_signed_in_user(client, user_factory, json_lines):
    user = user_factory()
    client.force_login(user)

    client.get("/healthz")

    assert _access(json_lines)[-1]["user_id"] == user.pk


@pytest.mark.django_db  # the session cookie makes the session middleware look it up
def test_credentials_never_reach_the_log(client, json_lines):
    client.get(
        "/healthz?token=query-secret-1&password=query-secret-2",
        headers={"Authorization": "Bearer header-secret-3", "Cookie": "sessionid=cookie-secret-4"},
    )

    written = json_lines.getvalue()
    for secret in ("query-secret-1", "query-secret-2", "header-secret-3", "cookie-secret-4"):
        assert secret not in written
    assert _access(json_lines)[0]["path"] == "/healthz"


def test_loggable_path_redacts_credential_url_parameters():
    request = RequestFactory().get("/accounts/password/reset/MTIz/c4r-5e3f9a/")
    request.resolver_match = ResolverMatch(
        healthz, args=(), kwargs={"uidb64": "MTIz", "token": "c4r-5e3f9a"}
    )

    assert loggable_path(request) == "/accounts/password/reset/[redacted]/[redacted]/"


def test_loggable_path_keeps_ordinary_parameters():
    request = RequestFactory().get("/meters/42/")
    request.resolver_match = ResolverMatch(healthz, args=(), kwargs={"meter_id": 42})

    assert loggable_path(request) == "/meters/42/"


@pytest.mark.django_db
def test_an_unready_answer_is_a_warning_with_the_request_id_not_an_error(client, json_lines):
    with override_settings(MQTT_URL=f"mqtt://127.0.0.1:{closed_port()}"):
        response = client.get("/readyz", headers={"X-Request-ID": REQUEST_ID})

    assert response.status_code == 503
    records = _records(json_lines)
    assert [(r["logger"], r["level"]) for r in records] == [
        ("core.ops.health", "warning"),
        ("core.ops.access", "info"),
    ]
    assert records[0]["event"] == "readiness_check_failed"
    assert records[0]["check"] == "broker"
    assert {r["request_id"] for r in records} == {REQUEST_ID}
