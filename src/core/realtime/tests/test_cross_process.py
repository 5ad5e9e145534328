"""An event published by another process (a worker) reaches a socket held by the web process.

This is the reason for channels-redis: it needs REDIS_URL and PostgreSQL, so that the web
server, the worker and this test share the channel layer and the test database. The SQLite
pass has neither and skips it; the PostgreSQL + Redis pass runs it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from core.ops.tests.conftest import closed_port
from core.realtime.models import LiveEvent
from core.realtime.tests.conftest import token_for

ROOT = Path(settings.BASE_DIR)
LAYER = settings.CHANNEL_LAYERS["default"]


def _why_not() -> str | None:
    if not LAYER["BACKEND"].endswith("RedisChannelLayer"):
        return "needs REDIS_URL: only channels-redis lets another process reach the socket"
    if connection.vendor != "postgresql":
        return "needs PostgreSQL: the other processes must open the same test database"
    return None


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(_why_not() is not None, reason=str(_why_not())),
]


def _database_url() -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


def _environment(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=_database_url(),
        REDIS_URL=LAYER["CONFIG"]["hosts"][0],
        VAR_DIR=str(var_dir),  # JWT keys in <VAR_DIR>/test-keys/jwt, as the keys_dir fixture
    )
    return env


def _wait_until_up(url: str, process: subprocess.Popen[str], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"web process exited early: {process.communicate()}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - local http
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("web process did not come up")


@contextmanager
def web_process(env: dict[str, str]) -> Iterator[int]:
    """`manage.py serve` on a free port under `env`; yields the port, stops it with Ctrl-C."""
    port = closed_port()
    web = subprocess.Popen(  # noqa: S603 - our interpreter, our manage.py
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/healthz", web)
        yield port
    finally:
        web.send_signal(signal.SIGINT)
        try:
            web.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            web.kill()
            web.communicate()


def test_an_event_published_by_a_worker_process_reaches_a_socket_of_the_web_process(
    tmp_path, customer
):
    # given the web process serving config.asgi and a browser-less client signed in by JWT
    env = _environment(tmp_path)
    token = token_for(customer)
    with web_process(env) as port:
        with connect(
            f"ws://127.0.0.1:{port}/ws/live/", subprotocols=["bearer", token], open_timeout=10
        ) as socket:
            socket.send(json.dumps({"type": "resume", "after": 0}))
            ready = json.loads(socket.recv(timeout=10))
            # when a separate worker process publishes to this user
            worker = subprocess.run(  # noqa: S603 - our interpreter, our manage.py
                [
                    sys.executable,
                    "manage.py",
                    "shell",
                    "-c",
                    "from core.realtime.services import publish; publish("
                    f"'job.finished', {{'job': 'export', 'rows': 3}}, users=[{customer.pk}])",
                ],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            received = json.loads(socket.recv(timeout=10))
            subprotocol = socket.subprotocol

    # then the socket got exactly the row the worker stored
    assert worker.returncode == 0, worker.stderr
    assert subprotocol == "bearer"
    assert ready == {"kind": "ready", "head": ready["head"]}
    row = LiveEvent.objects.get(kind="job.finished")
    assert row.audience == f"user:{customer.pk}"
    assert received == {
        "id": row.pk,
        "kind": "job.finished",
        "data": {"job": "export", "rows": 3},
        "at": row.created_at.isoformat(),
    }


def test_the_web_process_closes_a_bad_token_with_4401(tmp_path):
    env = _environment(tmp_path)
    with web_process(env) as port:
        with connect(
            f"ws://127.0.0.1:{port}/ws/live/", subprotocols=["bearer", "nope"], open_timeout=10
        ) as socket:
            with pytest.raises(ConnectionClosed) as closed:
                socket.recv(timeout=10)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401
