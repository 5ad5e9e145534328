"""/metrics: request metrics, business counters, the optional bearer token, multi-process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import override_settings
from prometheus_client import REGISTRY

from core.ops import metrics

ROOT = Path(settings.BASE_DIR)


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_record_helpers_count_exactly_once():
    before = {
        "login": _sample("platform_auth_logins_total", result="failure"),
        "limited": _sample("platform_rate_limited_total", scope="login"),
        "audit": _sample("platform_audit_events_total", action="user.login"),
        "payment": _sample("platform_payment_events_total", gateway="midtrans", outcome="settled"),
        "notify": _sample("platform_notifications_total", channel="sms", outcome="failed"),
    }

    metrics.record_login("failure")
    metrics.record_rate_limited("login")
    metrics.record_audit_event("user.login")
    metrics.record_payment_event("midtrans", "settled")
    metrics.record_notification("sms", "failed")

    assert _sample("platform_auth_logins_total", result="failure") == before["login"] + 1
    assert _sample("platform_rate_limited_total", scope="login") == before["limited"] + 1
    assert _sample("platform_audit_events_total", action="user.login") == before["audit"] + 1
    assert (
        _sample("platform_payment_events_total", gateway="midtrans", outcome="settled")
        == before["payment"] + 1
    )
    assert (
        _sample("platform_notifications_total", channel="sms", outcome="failed")
        == before["notify"] + 1
    )


def test_label_values_are_capped_and_never_empty():
    metrics.record_rate_limited("")
    metrics.record_rate_limited("x" * 100)

    assert _sample("platform_rate_limited_total", scope="unknown") >= 1
    assert _sample("platform_rate_limited_total", scope="x" * 48) >= 1
    assert REGISTRY.get_sample_value("platform_rate_limited_total", {"scope": "x" * 100}) is None


@override_settings(METRICS_TOKEN=None)
def test_metrics_page_carries_request_and_business_metrics(client):
    metrics.record_login("success")
    client.get("/healthz")
    expected = _sample("platform_auth_logins_total", result="success")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=1.0.0; charset=utf-8"
    body = response.content.decode()
    assert f'platform_auth_logins_total{{result="success"}} {expected}' in body
    assert 'django_http_requests_total_by_view_transport_method_total{method="GET"' in body
    assert 'view="ops:healthz"' in body


@override_settings(METRICS_TOKEN="metrics-token-0123456789")
def test_metrics_token_is_required_when_configured(client):
    missing = client.get("/metrics")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    basic = client.get("/metrics", headers={"Authorization": "Basic metrics-token-0123456789"})
    right = client.get("/metrics", headers={"Authorization": "Bearer metrics-token-0123456789"})

    assert (missing.status_code, wrong.status_code, basic.status_code) == (403, 403, 403)
    assert missing.content == b"forbidden\n"
    assert right.status_code == 200
    assert b"platform_auth_logins_total" in right.content


_CHILD = """
import sys
import django
django.setup()
from core.ops.metrics import record_login
from django.test import Client
for _ in range(int(sys.argv[1])):
    record_login("success")
if sys.argv[2] == "show":
    sys.stdout.write(Client().get("/metrics").content.decode())
"""


def _child(env: dict[str, str], count: int, mode: str) -> str:
    result = subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-c", _CHILD, str(count), mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_metrics_sum_every_worker_process_under_multiproc_dir(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    env.pop("METRICS_TOKEN", None)

    _child(env, 2, "quiet")
    _child(env, 3, "quiet")
    page = _child(env, 0, "show")

    assert 'platform_auth_logins_total{result="success"} 5.0' in page.splitlines()
    assert len(list(tmp_path.glob("counter_*.db"))) == 3
