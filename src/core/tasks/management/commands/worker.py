"""`manage.py worker`: run background tasks and the periodic schedule until stopped."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.tasks.queue import huey
from core.tasks.worker import build_consumer


class Command(BaseCommand):
    help = "Run the task worker (background tasks and periodic jobs). SIGTERM stops it gracefully."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threads", type=int, help="Worker threads (default WORKER_THREADS).")
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="Never enqueue periodic jobs from this worker.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if huey.immediate:
            raise CommandError(
                "Tasks run inline under these settings; there is nothing to consume."
            )
        threads = options.get("threads")
        if threads is not None and threads < 1:
            raise CommandError("--threads must be at least 1.")
        consumer = build_consumer(
            workers=threads,
            periodic=False if options["no_periodic"] else None,
            graceful_signal="TERM",
        )
        consumer._set_signal_handlers()  # before announcing: a stop right away is graceful too
        self.stdout.write(f"Worker {consumer.holder}: {consumer.workers} thread(s); Ctrl-C stops.")
        self.stdout.flush()
        consumer.run()
