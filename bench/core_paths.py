"""Throughput of the core's per-request paths.

    uv run python bench/core_paths.py [--n 2000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/5 \
        uv run python bench/core_paths.py

Runs against a throw-away test database (created and dropped here) with the test settings.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def measure(name: str, fn: Callable[[int], None], n: int) -> None:
    fn(min(50, n))  # warm up caches and connections
    samples = []
    for _ in range(3):
        start = time.perf_counter()
        fn(n)
        samples.append(time.perf_counter() - start)
    best = min(samples)
    print(
        f"{name:<34} {n / best:>10,.0f} ops/s   {best / n * 1e6:>8.1f} µs/op"
        f"   (median of 3: {n / statistics.median(samples):,.0f} ops/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    n = parser.parse_args().n

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import get_runner

    keys_dir = tempfile.mkdtemp(prefix="bench-jwt-")
    settings.JWT_KEYS_DIR = Path(keys_dir)
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        from core.api import ratelimit
        from core.audit.services import audit_record
        from core.crypto.fields import decrypt, encrypt
        from core.crypto.keyring import blind_index

        print(f"database: {connection.vendor}; cache: {settings.CACHES['default']['BACKEND']}")

        def audit(count: int) -> None:
            for i in range(count):
                audit_record(action="bench.event", data={"i": i})

        def seal_open(count: int) -> None:
            for i in range(count):
                decrypt(encrypt(f"+62 812 0000 {i:04d}"))

        def bidx(count: int) -> None:
            for i in range(count):
                blind_index(f"3171{i:012d}")

        rate = ratelimit.Rate(limit=10**9, window=900)

        def limiter(count: int) -> None:
            for i in range(count):
                ratelimit.hit("bench", str(i % 100), rate)

        measure("audit_record (own transaction)", audit, n)
        measure("encrypt + decrypt (AES-256-GCM)", seal_open, n)
        measure("blind_index (HMAC-SHA256)", bidx, n)
        measure("ratelimit.hit", limiter, n)
        from core.accounts.tokens import access_token_decode, access_token_encode

        def jwt_round_trip(count: int) -> None:
            for i in range(count):
                access_token_decode(access_token_encode(user_id=i, tenant_id=1, roles=["customer"]))

        measure("JWT RS256 sign + verify", jwt_round_trip, n)
    finally:
        runner.teardown_databases(old_config)


if __name__ == "__main__":
    main()
