"""`manage.py worker`: refuses inline settings; runs and stops cleanly as a real process."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

ROOT = Path(settings.BASE_DIR)


def test_worker_refuses_settings_that_run_tasks_inline():
    with pytest.raises(CommandError, match="Tasks run inline under these settings"):
        call_command("worker")


def test_worker_refuses_zero_threads(monkeypatch):
    monkeypatch.setattr("core.tasks.queue.huey.immediate", False)
    monkeypatch.setattr(
        "core.tasks.management.commands.worker.huey.immediate", False, raising=False
    )
    with pytest.raises(CommandError, match="--threads must be at least 1"):
        call_command("worker", threads=0)


def test_worker_process_starts_and_stops_gracefully_on_sigterm(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "MQTT_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.embedded", VAR_DIR=str(tmp_path))
    process = subprocess.Popen(  # noqa: S603 - our interpreter, our manage.py
        [sys.executable, "manage.py", "worker", "--threads", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 90)
        assert ready, "the worker never announced itself"
        first = process.stdout.readline()
        time.sleep(0.5)  # the consumer is starting its threads
        process.send_signal(signal.SIGTERM)
        rest, stderr = process.communicate(timeout=30)
        stdout = first + rest
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    lines = stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Worker ")
    assert lines[0].endswith(": 2 thread(s); Ctrl-C stops.")
    assert (tmp_path / "tasks.sqlite3").is_file()
