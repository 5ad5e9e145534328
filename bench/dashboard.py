"""IndoWater dashboard reads on PostgreSQL: the daily rollup against the readings themselves.

    python3 -m uv run python bench/dashboard.py seed [--meters 1000] [--days 365]
    python3 -m uv run python bench/dashboard.py time [--runs 50]

`seed` (about 18 minutes on 2 busy cores: run it in the background) drops and recreates
the scratch database (--db, default bench_dashboard), migrates it, creates one tenant
with --meters meters and writes --days of HOURLY readings per meter with one
INSERT … SELECT FROM generate_series per chunk of meters (registers rise 10–70 litres an
hour, charged at a flat Rp 8 a litre: the reads do not depend on the tariff), then builds
the rollup with `manage.py rollup_usage` (timed: the cost of a backfill) and runs VACUUM
ANALYZE. The readings end at the current hour, so "today" and "this month" hold data.

`time` serves each dashboard read through a bench URLconf with django.test.Client in
process (all the middleware, JSON rendering included), --runs times after a warm-up, and
prints the server time p50/p95 and the queries per request: the `water.billing.usage`
selectors on the rollup, and what the same answer costs from the readings (the old
`consumption_for` per meter, or one aggregate over the tenant's readings). Pages of 25
meters and single meters rotate through the tenant's meters from run to run.
It measures and never asserts.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
SERVER = "postgres://postgres@127.0.0.1:5432"
PAGE = 25
CHUNK_METERS = 50


def setup(args: argparse.Namespace) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = f"{SERVER}/{args.db}"
    os.environ["REDIS_URL"] = args.redis
    import logging

    import django
    from django.conf import settings

    # as in production: a connection pool (psycopg_pool), not a connection per request
    settings.DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 1}
    django.setup()
    logging.getLogger("core.ops.access").setLevel(logging.WARNING)


def fresh_database(args: argparse.Namespace) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.db}"')
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"{SERVER}/{args.db}",
        "REDIS_URL": args.redis,
    }
    subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )


READINGS_SQL = """
INSERT INTO water_meters_reading (tenant_id, meter_id, taken_at, register_litres,
    consumption_litres, charge_idr, flags, source, received_at)
SELECT m.tenant_id, m.id, %(start)s + make_interval(hours => i),
    40 * i + (m.id * 7 + i * 13) %% 31,
    l.litres, 8 * l.litres, '[]'::jsonb, 'mqtt', %(start)s + make_interval(hours => i)
FROM water_meters_meter AS m
CROSS JOIN generate_series(0, %(hours)s - 1) AS i
CROSS JOIN LATERAL (SELECT CASE WHEN i = 0 THEN 0 ELSE
    40 + (m.id * 7 + i * 13) %% 31 - (m.id * 7 + (i - 1) * 13) %% 31 END AS litres) AS l
WHERE m.id = ANY(%(ids)s)
ORDER BY m.id, i
"""


def seed(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from water.billing.tests.factories import billable
    from water.meters.models import Meter

    started = time.perf_counter()
    fresh_database(args)
    world = billable()
    template = world.meter
    Meter.objects.bulk_create(
        [
            Meter(
                tenant_id=template.tenant_id,
                property_id=template.property_id,
                customer_id=template.customer_id,
                serial=f"IW-D{i:07d}",
                model="IndoWater SM-200",
            )
            for i in range(args.meters - 1)
        ],
        batch_size=1000,
    )
    ids = list(Meter.objects.order_by("pk").values_list("pk", flat=True))
    hours = args.days * 24
    end = timezone.now().replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=hours - 1)
    print(f"seeding {len(ids):,} meters x {hours:,} hourly readings from {start:%Y-%m-%d %H:%M}Z")
    inserted = time.perf_counter()
    for first in range(0, len(ids), CHUNK_METERS):
        chunk = ids[first : first + CHUNK_METERS]
        with connection.cursor() as cursor:
            cursor.execute(READINGS_SQL, {"start": start, "hours": hours, "ids": chunk})
        done = first + len(chunk)
        elapsed = time.perf_counter() - inserted
        print(f"  {done:,} meters, {done * hours:,} readings, {elapsed:,.0f} s", flush=True)
    readings_s = time.perf_counter() - inserted
    rollup_started = time.perf_counter()
    call_command("rollup_usage")
    rollup_s = time.perf_counter() - rollup_started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE water_meters_reading")
        cursor.execute("VACUUM ANALYZE water_billing_dailyusage")
    print(
        f"readings inserted in {readings_s:,.0f} s; rollup_usage (full rebuild) {rollup_s:,.0f} s"
    )
    print(f"seed total {time.perf_counter() - started:,.0f} s")


# --- the bench URLconf: one view per dashboard read, old and new ------------------------------


class Reads:
    """The dashboard reads, each a view answering JSON for the bench tenant."""

    def __init__(self) -> None:
        from zoneinfo import ZoneInfo

        from django.utils import timezone

        from water.meters.models import Meter
        from water.registry.models import Client

        self.meters = list(Meter.objects.order_by("pk"))
        self.tenant_id = self.meters[0].tenant_id
        client = Client.objects.get(tenant_id=self.tenant_id)
        self.tz = ZoneInfo(client.timezone or "Asia/Jakarta")
        self.today = timezone.now().astimezone(self.tz).date()
        self.month_start = self.today.replace(day=1)
        self.days_30 = self.today - timedelta(days=29)
        self.months_12 = (self.month_start - timedelta(days=335)).replace(day=1)
        self.turn = 0

    def next_meter(self) -> Any:
        self.turn += 1
        return self.meters[(self.turn * 37) % len(self.meters)]

    def next_page(self) -> list[Any]:
        self.turn += 1
        pages = max(1, len(self.meters) // PAGE)
        first = (self.turn * 7 % pages) * PAGE
        return self.meters[first : first + PAGE]

    # new: the rollup selectors

    def new_today(self) -> Any:
        from water.billing.usage import tenant_usage_between

        return asdict(
            tenant_usage_between(tenant_id=self.tenant_id, date_from=self.today, date_to=self.today)
        )

    def new_month(self) -> Any:
        from water.billing.usage import tenant_usage_between

        total = tenant_usage_between(
            tenant_id=self.tenant_id, date_from=self.month_start, date_to=self.today
        )
        return asdict(total)

    def new_daily_30(self) -> Any:
        from water.billing.usage import tenant_usage_daily

        days = tenant_usage_daily(
            tenant_id=self.tenant_id, date_from=self.days_30, date_to=self.today
        )
        return [asdict(d) for d in days]

    def new_meter_daily_30(self) -> Any:
        from water.billing.usage import meter_usage_series

        meter = self.next_meter()
        series = meter_usage_series(
            meter_id=meter.pk, period="daily", date_from=self.days_30, date_to=self.today
        )
        return [asdict(b) for b in series]

    def new_meter_monthly_12(self) -> Any:
        from water.billing.usage import meter_usage_series

        meter = self.next_meter()
        series = meter_usage_series(
            meter_id=meter.pk, period="monthly", date_from=self.months_12, date_to=self.today
        )
        return [asdict(b) for b in series]

    def new_meters_25(self) -> Any:
        from water.billing.usage import meters_usage_between

        ids = [m.pk for m in self.next_page()]
        totals = meters_usage_between(meter_ids=ids, date_from=self.month_start, date_to=self.today)
        return {str(pk): asdict(t) for pk, t in totals.items()}

    # old: the same answers from the readings

    def _tenant_readings(self, first: date, last: date) -> Any:
        from water.meters.models import Reading

        start = datetime.combine(first, datetime.min.time(), self.tz)
        end = datetime.combine(last + timedelta(days=1), datetime.min.time(), self.tz)
        return Reading.objects.filter(
            tenant_id=self.tenant_id, taken_at__gte=start, taken_at__lt=end
        )

    def old_today(self) -> Any:
        from django.db.models import Count, Sum

        rows = self._tenant_readings(self.today, self.today)
        return rows.aggregate(l=Sum("consumption_litres"), c=Sum("charge_idr"), n=Count("id"))

    def old_month(self) -> Any:
        from django.db.models import Count, Sum

        rows = self._tenant_readings(self.month_start, self.today)
        return rows.aggregate(l=Sum("consumption_litres"), c=Sum("charge_idr"), n=Count("id"))

    def old_daily_30(self) -> Any:
        from django.db.models import Sum
        from django.db.models.functions import TruncDate

        rows = (
            self._tenant_readings(self.days_30, self.today)
            .annotate(day=TruncDate("taken_at", tzinfo=self.tz))
            .values("day")
            .annotate(l=Sum("consumption_litres"), c=Sum("charge_idr"))
            .order_by("day")
        )
        return [{"day": r["day"].isoformat(), "l": r["l"], "c": r["c"]} for r in rows]

    def old_meter_daily_30(self) -> Any:
        from water.billing.selectors import consumption_for

        buckets = consumption_for(
            meter=self.next_meter(), period="daily", date_from=self.days_30, date_to=self.today
        )
        return [asdict(b) for b in buckets]

    def old_meter_monthly_12(self) -> Any:
        from water.billing.selectors import consumption_for

        buckets = consumption_for(
            meter=self.next_meter(), period="monthly", date_from=self.months_12, date_to=self.today
        )
        return [asdict(b) for b in buckets]

    def old_meters_25(self) -> Any:
        from water.billing.selectors import consumption_for

        return {
            str(meter.pk): [
                asdict(b)
                for b in consumption_for(
                    meter=meter, period="monthly", date_from=self.month_start, date_to=self.today
                )
            ]
            for meter in self.next_page()
        }


READS = (
    ("tenant_usage_between, today", "today"),
    ("tenant_usage_between, this month", "month"),
    ("tenant_usage_daily, 30 days", "daily_30"),
    ("meter_usage_series, daily, 30 days", "meter_daily_30"),
    ("meter_usage_series, monthly, 12 months", "meter_monthly_12"),
    (f"meters_usage_between, {PAGE} meters, month", "meters_25"),
)


class URLConf:
    """A URLconf object (Django accepts any object with `urlpatterns`)."""

    def __init__(self, reads: Reads) -> None:
        from django.http import HttpRequest, JsonResponse
        from django.urls import path

        def view(read: Callable[[], Any]) -> Callable[[HttpRequest], JsonResponse]:
            def handle(request: HttpRequest) -> JsonResponse:
                return JsonResponse({"data": read()}, json_dumps_params={"default": str})

            return handle

        self.urlpatterns = [
            path(f"{kind}/{name}/", view(getattr(reads, f"{kind}_{name}")))
            for _, name in READS
            for kind in ("new", "old")
        ]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(client: Any, url: str, runs: int) -> tuple[float, float, int]:
    from django.db import connection

    for _ in range(3):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    queries: list[str] = []

    def count(execute: Any, sql: str, *args: Any) -> Any:
        queries.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(count):
        client.get(url)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 50), percentile(times, 95), len(queries)


def machine() -> str:
    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
        cursor.execute(
            "SELECT (SELECT count(*) FROM water_meters_reading), "
            "(SELECT count(*) FROM water_billing_dailyusage), "
            "pg_size_pretty(pg_total_relation_size('water_meters_reading')), "
            "pg_size_pretty(pg_total_relation_size('water_billing_dailyusage'))"
        )
        readings, rollups, readings_size, rollups_size = cursor.fetchone()
    return (
        f"{cpu}, {os.cpu_count()} cores; PostgreSQL {version}, shared_buffers {buffers}\n"
        f"readings {readings:,} ({readings_size}); daily usage rows {rollups:,} ({rollups_size})"
    )


def time_reads(args: argparse.Namespace) -> None:
    from django.test import Client
    from django.test.utils import override_settings

    reads = Reads()
    print(machine())
    print(f"today {reads.today}; {args.runs} runs per read after 3 warm-up requests\n")
    header = f"{'read':<42}{'rollup p50/p95 ms':>20}{'q':>4}{'readings p50/p95 ms':>22}{'q':>5}"
    print(header)
    with override_settings(ROOT_URLCONF=URLConf(reads)):
        client = Client()
        for label, name in READS:
            new = measure(client, f"/new/{name}/", args.runs)
            old = measure(client, f"/old/{name}/", args.runs)
            print(
                f"{label:<42}{new[0]:>10.1f} /{new[1]:>7.1f}{new[2]:>5}"
                f"{old[0]:>11.1f} /{old[1]:>8.1f}{old[2]:>5}",
                flush=True,
            )
    print(f"\ncommand: python3 -m uv run python {' '.join(sys.argv)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("seed", "time"))
    parser.add_argument("--meters", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--db", default="bench_dashboard")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    args = parser.parse_args()
    setup(args)
    if args.action == "seed":
        seed(args)
    else:
        time_reads(args)


if __name__ == "__main__":
    main()
