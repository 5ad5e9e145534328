"""`manage.py ingest_mqtt`: consume meter readings and acks from MQTT, publish commands.

Run as many as needed with the same --group: the broker shares the messages between them.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from water.meters.devices.mqtt import IngestConsumer, consumer_run_forever, mqtt_url


class Command(BaseCommand):
    help = "Consume signed meter readings and acks over MQTT 5 (shared subscription)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default=None, help="mqtt:// or mqtts:// (default MQTT_URL)")
        parser.add_argument("--group", default="ingest", help="Shared-subscription group.")
        parser.add_argument("--batch-size", type=int, default=200, help="Messages per batch.")
        parser.add_argument("--flush-ms", type=int, default=500, help="Longest wait to batch.")

    def handle(self, *args: Any, **options: Any) -> None:
        consumer = IngestConsumer(
            url=options["url"] or mqtt_url(),
            group=options["group"],
            batch_size=options["batch_size"],
            flush_ms=options["flush_ms"],
        )
        self.stdout.write(
            f"Consuming {consumer.address.host}:{consumer.address.port} as group "
            f"{consumer.group!r}; Ctrl-C stops."
        )
        self.stdout.flush()
        consumer_run_forever(consumer)
        totals = consumer.totals
        self.stdout.write(
            f"Stopped: {totals.accepted} readings stored, {totals.duplicates} duplicates, "
            f"{totals.acks} acks, {totals.rejected} refused, {consumer.published} commands sent."
        )
