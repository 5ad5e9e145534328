import logging
import time

import pytest
from django.core.management import BaseCommand
from django.test import override_settings

from core.ops import periodic


class _Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, name, **options):
        self.calls.append(name)
        if name == "broken":
            raise RuntimeError("boom")


@pytest.mark.django_db
@override_settings(PERIODIC_COMMANDS=[("first", 60), ("broken", 10), ("second", 30)])
def test_each_command_runs_when_due_and_a_failure_stops_nothing(monkeypatch):
    recorder = _Recorder()
    monkeypatch.setattr(periodic, "call_command", recorder)
    schedule: dict[str, float] = {}

    assert periodic.run_due(schedule, 1000.0) == ["first", "second"]
    assert periodic.run_due(schedule, 1005.0) == []
    assert periodic.run_due(schedule, 1031.0) == ["second"]
    assert periodic.run_due(schedule, 1061.0) == ["first", "second"]
    assert recorder.calls == [
        *("first", "broken", "second"),
        *("broken", "second"),
        *("first", "broken", "second"),
    ]


@pytest.mark.django_db(transaction=True)
@override_settings(PERIODIC_COMMANDS=[("sweep_devices", 3600), ("enforce_credit_rules", 3600)])
def test_the_runner_runs_the_real_sweeps_and_stops(caplog):
    caplog.set_level(logging.INFO, logger="core.ops.periodic")
    stop = periodic.start_periodic_commands()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(_ran(caplog)) < 2:
            time.sleep(0.05)
    finally:
        stop()
    assert _ran(caplog) == ["sweep_devices", "enforce_credit_rules"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _ran(caplog) -> list[str]:
    return [r.command for r in caplog.records if r.getMessage() == "periodic command ran"]


def test_the_configured_commands_exist():
    from django.conf import settings
    from django.core.management import get_commands, load_command_class

    commands = get_commands()
    for name, every in settings.PERIODIC_COMMANDS:
        assert every > 0
        assert isinstance(load_command_class(commands[name], name), BaseCommand)
