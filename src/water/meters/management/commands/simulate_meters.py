"""`manage.py simulate_meters`: household meters reporting over the real signed protocol."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from water.meters.devices.simulator import SimulatorConfig, simulator_run


class Command(BaseCommand):
    help = "Simulate N enrolled meters sending signed readings over HTTP or MQTT."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=5, help="How many meters.")
        parser.add_argument("--interval", type=float, default=10.0, help="Seconds per report.")
        parser.add_argument("--transport", choices=("http", "mqtt"), default="http")
        parser.add_argument("--tenant", default=None, help="Only meters of this tenant slug.")
        parser.add_argument("--duration", type=float, default=None, help="Stop after S seconds.")
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
            help="Where the platform's HTTP API listens.",
        )
        parser.add_argument("--mqtt-url", default=None, help="Broker (default MQTT_URL).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] < 1 or options["interval"] <= 0:
            raise CommandError("--count must be at least 1 and --interval positive.")
        config = SimulatorConfig(
            count=options["count"],
            interval=options["interval"],
            transport=options["transport"],
            tenant_slug=options["tenant"],
            base_url=options["base_url"],
            mqtt_url=options["mqtt_url"],
        )
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        if options["duration"] is not None:
            timer = threading.Timer(options["duration"], stop.set)
            timer.daemon = True
            timer.start()
        sent = simulator_run(config, stop)
        self.stdout.write(f"Sent {sent} readings.")
