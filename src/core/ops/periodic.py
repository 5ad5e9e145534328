"""Periodic management commands for the embedded mode, run on a thread inside `serve`.

`settings.PERIODIC_COMMANDS` lists ``(command name, seconds)``. Each command must be safe to
run twice and to overlap nothing (the sweeps are). Production schedules the same commands
with its own scheduler; this runner exists so a single `make run` process stays complete.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections

logger = logging.getLogger(__name__)


def run_due(schedule: dict[str, float], now: float) -> list[str]:
    """Run every command whose time has come; returns the names run, in settings order."""
    ran: list[str] = []
    for name, every in settings.PERIODIC_COMMANDS:
        if now < schedule.get(name, 0.0):
            continue
        schedule[name] = now + every
        try:
            call_command(name, verbosity=0)
            ran.append(name)
            logger.info("periodic command ran", extra={"command": name})
        except Exception:  # one failing job must not stop the others or the loop
            logger.exception("periodic command failed", extra={"command": name})
        finally:
            close_old_connections()
    return ran


def start_periodic_commands() -> Callable[[], None]:
    """Start the runner thread; the returned function stops it and waits for it."""
    stop = threading.Event()

    def loop() -> None:
        schedule: dict[str, float] = {}
        while not stop.is_set():
            run_due(schedule, time.monotonic())
            stop.wait(1.0)

    thread = threading.Thread(target=loop, name="periodic-commands", daemon=True)
    thread.start()

    def stopper() -> None:
        stop.set()
        thread.join(timeout=30)

    return stopper
