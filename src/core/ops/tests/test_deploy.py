"""Deployment files stay in step with the settings they configure."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings

from core.ops.tests.conftest import closed_port

ROOT = Path(settings.BASE_DIR)
READ = re.compile(r"env\.(?:string|optional|integer|boolean|listing|path)\(\s*\"([A-Z0-9_]+)\"")
SENTRY_READ = re.compile(r"env\.(?:string|optional)\(\s*\"(SENTRY_[A-Z0-9_]+)\"")


def _variables_read() -> set[str]:
    names: set[str] = set()
    for module in (ROOT / "config").rglob("*.py"):
        names |= set(READ.findall(module.read_text()))
    names |= set(SENTRY_READ.findall((ROOT / "src/core/ops/sentry.py").read_text()))
    return names


def _variables_listed() -> set[str]:
    text = (ROOT / "deploy" / "env.example").read_text()
    return {line.split("=", 1)[0] for line in text.splitlines() if re.match(r"^[A-Z0-9_]+=", line)}


def test_env_example_lists_every_variable_the_settings_read():
    missing = _variables_read() - _variables_listed()

    assert missing == set()


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local http
        return bytes(response.read())


def _healthcheck(port: int) -> int:
    env = {"PATH": os.environ.get("PATH", ""), "PORT": str(port), "ALLOWED_HOSTS": "localhost"}
    result = subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, "deploy/healthcheck.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    return result.returncode


def test_gunicorn_config_runs_uvicorn_workers_that_share_metrics(tmp_path):
    port = closed_port()
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    (multiproc / "counter_1.db").write_bytes(b"stale")  # from a previous deployment
    env = {k: v for k, v in os.environ.items() if k != "MQTT_URL"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.embedded",
        "VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(ROOT / "src"),
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603 - the installed gunicorn, our config
        [str(gunicorn), "config.asgi:application", "--config", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(list(multiproc.glob("counter_*.db"))) < 2:
            time.sleep(0.2)
        time.sleep(1)
        for _ in range(20):
            _get(f"http://127.0.0.1:{port}/healthz")
        page = _get(f"http://127.0.0.1:{port}/metrics").decode()
        live = _healthcheck(port)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=60)

    line = (
        "django_http_requests_total_by_view_transport_method_total"
        '{method="GET",transport="http",view="ops:healthz"} 20.0'
    )
    assert line in page.splitlines()
    assert "Using worker: uvicorn.workers.UvicornWorker" in stderr
    assert len(list(multiproc.glob("counter_*.db"))) == 2  # the stale file went at start
    assert live == 0
    assert process.returncode == 0


def test_healthcheck_fails_when_nothing_answers():
    assert _healthcheck(closed_port()) == 1
