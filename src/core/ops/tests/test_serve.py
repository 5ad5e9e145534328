"""`manage.py serve` end to end, and `check --deploy` under a realistic production environment."""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.test import override_settings

from core.notifications.vapid import vapid_keys_generate
from core.ops.management.commands.serve import start_background_services, stop_all
from core.ops.tests.conftest import closed_port

ROOT = Path(settings.BASE_DIR)
EVENTS: list[str] = []


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local http
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _wait_until_up(url: str, process: subprocess.Popen[str], limit: float = 90) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited early: {process.communicate()}")
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("serve did not come up")


def test_serve_collects_static_serves_the_embedded_site_and_stops_on_ctrl_c(tmp_path):
    port = closed_port()
    env = {k: v for k, v in os.environ.items() if k not in {"MQTT_URL", "DJANGO_SETTINGS_MODULE"}}
    env["VAR_DIR"] = str(tmp_path)
    process = subprocess.Popen(  # noqa: S603 - our interpreter, our manage.py
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/healthz", process)
        health = _get(f"{base}/healthz")
        ready = _get(f"{base}/readyz")
        static = _get(f"{base}/static/admin/css/base.css")
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)

    assert health == (200, b'{"status": "ok"}')
    assert ready[0] == 200
    assert json.loads(ready[1]) == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "embedded", "queue": "embedded"},
        # The worker threads run inside serve on the SQLite queue; this database was never
        # migrated, so no scheduler could claim a minute yet.
        "queue": {"backend": "sqlite", "pending": 0, "scheduled": 0, "last_tick_age": None},
    }
    assert static[0] == 200
    assert (tmp_path / "static" / "admin" / "css" / "base.css").is_file()
    assert process.returncode == 0, stderr
    assert stdout.splitlines() == [
        f"Serving http://127.0.0.1:{port}/ (config.settings.embedded); Ctrl-C stops.",
        "Stopped.",
    ]
    access = [json.loads(line) for line in stderr.splitlines() if '"core.ops.access"' in line]
    paths = [line["path"] for line in access]
    # The first /healthz is the poll that found the server up.
    assert paths == ["/healthz", "/healthz", "/readyz", "/static/admin/css/base.css"]
    assert all(len(line["request_id"]) == 32 for line in access)


def test_serve_refuses_an_out_of_range_port():
    result = subprocess.run(  # noqa: S603 - our interpreter, our manage.py
        [sys.executable, "manage.py", "serve", "--port", "70000"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert "Port 70000 is out of range." in result.stderr


def start_ticker() -> object:
    """A background service as embedded mode runs them: a thread plus a stop function."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    EVENTS.append("started")

    def _stop() -> None:
        stop.set()
        thread.join(timeout=5)
        EVENTS.append("stopped" if not thread.is_alive() else "still running")

    return _stop


def test_background_services_start_and_stop_in_reverse():
    EVENTS.clear()
    dotted = "core.ops.tests.test_serve.start_ticker"

    with override_settings(SERVE_BACKGROUND=[dotted, dotted]):
        stops = start_background_services()
    stop_all(stops)

    assert EVENTS == ["started", "started", "stopped", "stopped"]


def _b64_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def test_check_deploy_passes_under_production_settings(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": "postgres://platform:pw@127.0.0.1:5432/platform",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "MQTT_URL": "mqtts://platform:pw@broker.example.com:8883",
        "ALLOWED_HOSTS": "platform.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://platform.example.com",
        "FIELD_ENCRYPTION_KEYS": f"k1:{_b64_key()}",
        "BLIND_INDEX_KEY": _b64_key(),
        "JWT_KEYS_DIR": str(tmp_path / "jwt"),
        "VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "VAPID_PRIVATE_KEY": vapid_keys_generate().private,
    }

    result = subprocess.run(  # noqa: S603 - our interpreter, our manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
