"""The Sentry scrubber, as a pure function and end to end through a real client and transport."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.ops.sentry import FILTERED, is_sensitive, parse_sample_rate, scrub_event

ROOT = Path(settings.BASE_DIR)


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "new_password1",
        "newPassword",
        "access_token",
        "refresh_token",
        "otp",
        "otp_code",
        "client_secret",
        "nik",
        "customer_nik",
        "phone",
        "phone_number",
        "Authorization",
        "X-Api-Key",
        "api_key",
        "private_key",
        "recovery_code",
        "sessionid",
        "csrftoken",
    ],
)
def test_sensitive_keys_are_recognised(key):
    assert is_sensitive(key) is True


@pytest.mark.parametrize(
    "key", ["footprint", "amount", "meter_id", "status", "unique", "key", "spanish"]
)
def test_ordinary_keys_are_kept(key):
    assert is_sensitive(key) is False


def test_scrub_event_drops_cookies_body_and_unsafe_headers_and_masks_keys():
    event = {
        "event_id": "abc",
        "request": {
            "url": "https://platform.example/api/v1/auth/token",
            "method": "POST",
            "query_string": "next=/home&token=leak1&otp=leak2",
            "cookies": {"sessionid": "leak3"},
            "data": {"email": "a@example.test", "password": "leak4"},
            "headers": {
                "Authorization": "Bearer leak5",
                "Cookie": "sessionid=leak3",
                "X-Forwarded-For": "203.0.113.9",
                "User-Agent": "pytest",
                "X-Request-ID": "req-1",
            },
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "user": {"id": 7, "email": "a@example.test", "ip_address": "203.0.113.9"},
        "extra": {"nik": "3201010101010001", "meter": {"phone": "+6281234", "serial": "M-1"}},
        "breadcrumbs": {"values": [{"category": "query", "data": {"client_secret": "leak6"}}]},
    }

    cleaned = scrub_event(event, None)

    assert cleaned["request"] == {
        "url": "https://platform.example/api/v1/auth/token",
        "method": "POST",
        "query_string": f"next=/home&token={FILTERED}&otp={FILTERED}",
        "data": FILTERED,
        "headers": {"User-Agent": "pytest", "X-Request-ID": "req-1"},
    }
    assert cleaned["user"] == {"id": 7}
    assert cleaned["extra"] == {"nik": FILTERED, "meter": {"phone": FILTERED, "serial": "M-1"}}
    assert cleaned["breadcrumbs"] == {
        "values": [{"category": "query", "data": {"client_secret": FILTERED}}]
    }
    assert "leak" not in json.dumps(cleaned)
    assert event["request"]["data"]["password"] == "leak4"  # the input is not mutated


def test_scrub_event_masks_query_strings_sent_as_pairs():
    event = {"request": {"query_string": [["token", "leak"], ["page", "2"]]}}

    assert scrub_event(event, None)["request"]["query_string"] == [["token", "leak"], ["page", "2"]]
    # Pairs carry no key names Sentry would label; the scrubber only masks what it can name.


@pytest.mark.parametrize(("text", "rate"), [("0", 0.0), ("0.25", 0.25), ("1", 1.0)])
def test_sample_rate_parses_fractions(text, rate):
    assert parse_sample_rate(text) == rate


@pytest.mark.parametrize("text", ["abc", "-0.1", "1.5"])
def test_sample_rate_rejects_garbage(text):
    with pytest.raises(ImproperlyConfigured):
        parse_sample_rate(text)


class _Sink(BaseHTTPRequestHandler):
    envelopes: list[bytes] = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        type(self).envelopes.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        return


_CHILD = """
import asyncio, json, sys
import django
django.setup()
import sentry_sdk
from django.urls import clear_url_caches, path
from django.views.decorators.csrf import csrf_exempt
import config.urls
from core.ops.sentry import sentry_init

@csrf_exempt
def boom(request):
    raise RuntimeError("boom")

config.urls.urlpatterns.append(path("ops-sentry-boom", boom))
clear_url_caches()
sentry_init(dsn=sys.argv[1], environment="ci")  # before the app, as production settings do
from django.core.asgi import get_asgi_application
app = get_asgi_application()
body = b"email=a%40example.test&password=leak2"
scope = {
    "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
    "scheme": "http", "path": "/ops-sentry-boom", "raw_path": b"/ops-sentry-boom",
    "query_string": b"token=leak1", "root_path": "",
    "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    "headers": [
        (b"host", b"testserver"),
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"content-length", str(len(body)).encode()),
        (b"authorization", b"Bearer leak3"),
        (b"cookie", b"csrftoken=leak4"),
        (b"x-request-id", b"req-sentry-0001"),
    ],
}

async def call():
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent = []
    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()  # the client stays connected
    async def send(message):
        sent.append(message)
    await app(scope, receive, send)
    return sent[0]["status"]

status = asyncio.run(call())
sentry_sdk.flush(timeout=10)
options = sentry_sdk.get_client().options
keys = ("send_default_pii", "traces_sample_rate", "environment")
print(json.dumps({"status": status, **{k: options[k] for k in keys}}))
"""


def test_sentry_init_sends_scrubbed_events_from_django(tmp_path):
    _Sink.envelopes = []
    server = HTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dsn = f"http://publickey@127.0.0.1:{server.server_port}/1"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "SENTRY_TRACES_SAMPLE_RATE": "0.2",
    }
    try:
        result = subprocess.run(  # noqa: S603 - our interpreter, our script
            [sys.executable, "-c", _CHILD, dsn],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    finally:
        server.shutdown()

    options = json.loads(result.stdout.strip().splitlines()[-1])
    assert options == {
        "status": 500,
        "send_default_pii": False,
        "traces_sample_rate": 0.2,
        "environment": "ci",
    }
    items = [
        json.loads(line)
        for envelope in _Sink.envelopes
        for line in envelope.splitlines()
        if line.startswith(b"{")
    ]
    [event] = [item for item in items if item.get("exception")]
    assert event["exception"]["values"][0]["value"] == "boom"
    assert event["request"]["url"] == "http://testserver/ops-sentry-boom"
    assert event["request"]["query_string"] == f"token={FILTERED}"
    assert event["request"]["data"] == FILTERED
    assert {k.lower() for k in event["request"]["headers"]} == {
        "host",
        "content-type",
        "content-length",
        "x-request-id",
    }
    assert "cookies" not in event["request"]
    assert "leak" not in json.dumps(items)
