"""The periodic jobs, registered with Huey from the one list in `settings.PERIODIC_TASKS`.

Each entry is ``(name, cron, target)``: a five-field cron expression in UTC ("*/10 * * * *")
and either ``"command:<management command>"`` or the dotted path of a function taking no
arguments. Every job must be safe to run twice; a job still running when its next turn comes
is skipped rather than overlapped (a Huey lock per job).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import structlog
from django.conf import settings
from django.core.management import call_command
from django.utils.module_loading import import_string
from huey import crontab
from huey.api import TaskWrapper

from core.tasks.queue import _with_fresh_connections, huey

logger = structlog.get_logger(__name__)

COMMAND_PREFIX = "command:"


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    cron: str
    target: str

    def runner(self) -> Callable[[], None]:
        """The callable this job runs: a management command or an imported function."""
        if self.target.startswith(COMMAND_PREFIX):
            command = self.target.removeprefix(COMMAND_PREFIX)

            def run_command() -> None:
                call_command(command, verbosity=0)

            return run_command
        function: Callable[[], object] = import_string(self.target)

        def run_function() -> None:
            function()

        return run_function


def parse_cron(expression: str) -> Callable[..., bool]:
    """A Huey crontab from "minute hour day month day_of_week"; a bad one raises ValueError."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"cron {expression!r} needs 5 fields, has {len(fields)}")
    minute, hour, day, month, day_of_week = fields
    return crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week)


def periodic_jobs() -> list[PeriodicJob]:
    """The declared jobs; duplicate names are a configuration error."""
    jobs = [PeriodicJob(*entry) for entry in settings.PERIODIC_TASKS]
    names = [job.name for job in jobs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"PERIODIC_TASKS names repeat: {', '.join(duplicates)}")
    return jobs


def _register(job: PeriodicJob) -> TaskWrapper:
    run = job.runner()
    lock_name = f"periodic:{job.name}"

    def periodic() -> None:
        with huey.lock_task(lock_name):
            logger.info("periodic_job_started", job=job.name)
            run()

    periodic.__name__ = f"periodic_{job.name.replace('-', '_')}"
    return huey.periodic_task(parse_cron(job.cron), name=f"periodic:{job.name}")(
        _with_fresh_connections(periodic)
    )


REGISTERED: dict[str, TaskWrapper] = {}


def register_periodic_jobs() -> dict[str, TaskWrapper]:
    """Register every declared job once (called from the app's ready())."""
    for job in periodic_jobs():
        if job.name not in REGISTERED:
            REGISTERED[job.name] = _register(job)
    return REGISTERED
