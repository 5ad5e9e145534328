"""IndoWater ingestion throughput: the billing engine and the signed HTTP endpoint.

    uv run python bench/ingestion.py [--meters 100] [--readings 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench uv run python bench/ingestion.py

Scenarios, each on fresh meters in a scratch test database:
- in-order batches: one `readings_apply` call per meter with --readings readings;
- one reading per call: how MQTT flushes look when every meter reports once per batch;
- a late reading: one reading older than the meter's latest, forcing a correction;
- signed HTTP: POST /api/v1/water/devices/readings through Django's full stack (HMAC check,
  JSON parsing, billing, response), one request per meter.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def report(name: str, count: int, unit: str, seconds: float) -> None:
    print(
        f"{name:<44} {count / seconds:>10,.0f} {unit}/s   {seconds / count * 1e3:>8.2f} ms/{unit}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meters", type=int, default=100)
    parser.add_argument("--readings", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    import logging

    logging.getLogger("core.ops.access").setLevel(logging.WARNING)  # one line per request
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import get_runner

    settings.ALLOWED_HOSTS = ["testserver"]
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        from water.billing.services import account_credit, readings_apply
        from water.billing.tests.factories import T0, billable, series
        from water.meters.devices import protocol

        print(f"database: {connection.vendor}; meters: {args.meters}; batch: {args.readings}")

        def fresh(n: int):
            meters = []
            for _ in range(n):
                meter = billable().meter
                account_credit(
                    meter=meter, amount_idr=5_000_000, kind="topup", idempotency_key=None
                )
                meters.append(meter)
            return meters

        # In-order batches.
        meters = fresh(args.meters)
        batch = [series([i * 37 for i in range(args.readings)]) for _ in meters]
        start = time.perf_counter()
        for meter, readings in zip(meters, batch, strict=True):
            readings_apply(meter=meter, readings=readings, source="http")
        elapsed = time.perf_counter() - start
        report("readings_apply, in-order batches", args.meters * args.readings, "reading", elapsed)
        report("  (per call)", args.meters, "call", elapsed)

        # One reading per call, continuing the same meters.
        start = time.perf_counter()
        for step in range(args.readings):
            for meter in meters:
                later = series(
                    [args.readings * 37 + step * 40], start=T0 + timedelta(days=1, minutes=step)
                )
                readings_apply(meter=meter, readings=later, source="mqtt")
        elapsed = time.perf_counter() - start
        report(
            "readings_apply, one reading per call", args.meters * args.readings, "reading", elapsed
        )

        # A late reading per meter: older than everything stored after it.
        start = time.perf_counter()
        for meter in meters:
            late = series([5], start=T0 + timedelta(seconds=30))
            readings_apply(meter=meter, readings=late, source="http")
        report(
            "readings_apply, one late reading", args.meters, "reading", time.perf_counter() - start
        )

        # Signed HTTP, one request per meter with a fresh device key.
        client = Client()
        meters = fresh(args.meters)
        keys = {}

        for index, meter in enumerate(meters):
            key = protocol.new_device_key()
            meter.device_key = protocol.encode_key(key)
            meter.device_key_id = f"bench{index}"
            meter.save(update_fields=["device_key", "device_key_id"])
            keys[meter.pk] = key
        path = "/api/v1/water/devices/readings"
        bodies = []
        for meter in meters:
            readings = [
                {
                    "taken_at": (T0 + timedelta(minutes=15 * i)).isoformat(),
                    "register_litres": i * 37,
                }
                for i in range(args.readings)
            ]
            bodies.append((meter, json.dumps({"readings": readings}).encode()))
        start = time.perf_counter()
        for meter, body in bodies:
            timestamp, nonce = int(time.time()), protocol.new_nonce()
            signature = protocol.sign(
                keys[meter.pk],
                method="POST",
                path=path,
                timestamp=timestamp,
                nonce=nonce,
                body=body,
            )
            response = client.post(
                path,
                data=body,
                content_type="application/json",
                HTTP_X_DEVICE_KEY_ID=meter.device_key_id,
                HTTP_X_DEVICE_TIMESTAMP=str(timestamp),
                HTTP_X_DEVICE_NONCE=nonce,
                HTTP_X_DEVICE_SIGNATURE=signature,
            )
            assert response.status_code == 200, response.content
        elapsed = time.perf_counter() - start
        report("signed HTTP POST devices/readings", args.meters, "request", elapsed)
        report("  (readings through HTTP)", args.meters * args.readings, "reading", elapsed)
    finally:
        runner.teardown_databases(old_config)


if __name__ == "__main__":
    main()
