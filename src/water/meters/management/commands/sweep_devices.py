"""`manage.py sweep_devices`: time out and expire commands, raise offline and leak alerts.

Idempotent; meant to run every minute (cron, a Huey periodic task or a systemd timer).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from water.meters.devices.sweeps import fleet_sweep
from water.valves.delivery import commands_sweep


class Command(BaseCommand):
    help = "Time out/expire valve commands and raise OFFLINE and LEAK alerts (run every minute)."

    def handle(self, *args: Any, **options: Any) -> None:
        commands = commands_sweep()
        fleet = fleet_sweep()
        self.stdout.write(
            f"commands: {commands.requeued} requeued, {commands.timed_out} timed out, "
            f"{commands.expired} expired; offline alerts: {fleet.offline_raised} raised, "
            f"{fleet.offline_resolved} resolved; leak alerts: {fleet.leaks_raised} raised"
        )
