"""The layout loads live.js only for signed-in users, and config.asgi still serves HTTP."""

from __future__ import annotations

import re

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

from core.realtime.tests.conftest import application, sign_in

LIVE_SCRIPT = re.compile(r'<script src="/static/web/js/live\.js" nonce="([^"]+)" defer></script>')
LIVE_BODY = re.compile(
    r'<body class="[^"]*" data-live data-live-since="(\d+)" '
    r"hx-headers='\{\"X-CSRFToken\": \"[A-Za-z0-9]+\"\}'>"
)


@pytest.mark.django_db
def test_a_signed_in_page_carries_data_live_and_the_live_script_with_the_csp_nonce(
    customer, password
):
    client = sign_in(customer, password)

    response = client.get("/accounts/profile/")

    html = response.content.decode()
    assert response.status_code == 200
    script = LIVE_SCRIPT.search(html)
    assert script is not None
    assert f"'nonce-{script.group(1)}'" in response["Content-Security-Policy"]
    body = LIVE_BODY.search(html)
    assert body is not None
    assert int(body.group(1)) > 1_700_000_000


@pytest.mark.django_db
def test_an_anonymous_page_neither_connects_nor_loads_the_script(client):
    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "live.js" not in html
    assert "data-live" not in html


def test_config_asgi_still_routes_http_to_django():
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/healthz",
        "raw_path": b"/healthz",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }

    async def scenario():
        comm = ApplicationCommunicator(application(), scope)
        await comm.send_input({"type": "http.request", "body": b"", "more_body": False})
        start = await comm.receive_output(5)
        body = await comm.receive_output(5)
        await comm.wait(5)
        return start["status"], body["body"]

    assert async_to_sync(scenario)() == (200, b'{"status": "ok"}')
