"""IndoWater end to end: MQTT in → verified → billed, on PostgreSQL, with real consumers.

    python3 -m uv run python bench/ingest.py [--meters 2000] [--consumers 2] [--readings 10]
        [--seconds 30] [--close-meters 50]

What it does (it measures and never asserts):
1. drops and recreates the scratch database (--db, default bench_ingest), migrates it in a
   subprocess, and seeds --meters meters (one tenant, tariff, topped-up accounts, device
   keys) plus --close-meters meters with Rp 100 of credit and friendly credit off;
2. starts --consumers `manage.py ingest_mqtt --group bench-<pid>` processes and one publisher
   process that publishes signed readings messages (docs/device-protocol.md, QoS 1) at full
   speed for --seconds, --readings readings per message, registers increasing;
3. waits until every published reading is stored and reports readings/s from the first
   publish to the moment the last one was seen committed (polled every 0.1 s), messages/s,
   and publish → stored latency percentiles (Reading.received_at: the INSERT time, at most
   one batch transaction before its commit), then Reading rows vs published and ledger_check;
4. publishes one credit-exhausting message per close meter and measures the time until its
   CLOSE command arrives on indowater/<serial>/commands.
Every wait has a timeout; child processes are stopped on exit, including on Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
SERVER = "postgres://postgres@127.0.0.1:5432"
CLOSE_CREDIT_IDR = 100
CHILDREN: list[subprocess.Popen[bytes]] = []


def child_env(args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"{SERVER}/{args.db}",
        "REDIS_URL": args.redis,
        "MQTT_URL": args.mqtt,
        "PYTHONUNBUFFERED": "1",
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def fresh_database(args: argparse.Namespace) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.db}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=ROOT,
        env=child_env(args),
        check=True,
        timeout=600,
    )


def seed(args: argparse.Namespace) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Meters with keys and funded accounts: (throughput meters, close meters) as dicts."""
    from datetime import time as clock

    from water.billing.models import EntryKind, LedgerEntry, PrepaidAccount
    from water.billing.tests.factories import billable
    from water.meters.devices import protocol
    from water.meters.models import Meter

    world = billable(no_disconnect_from=clock(0), no_disconnect_until=clock(0))
    template = world.meter
    total = args.meters + args.close_meters
    keys = [protocol.new_device_key() for _ in range(total)]
    meters = Meter.objects.bulk_create(
        [
            Meter(
                tenant_id=template.tenant_id,
                property_id=template.property_id,
                customer_id=template.customer_id,
                serial=f"IW-B{i:07d}",
                model="IndoWater SM-200",
                register_max_litres=template.register_max_litres,
                device_key=protocol.encode_key(keys[i]),
                device_key_id=f"bench{i:07d}",
            )
            for i in range(total)
        ],
        batch_size=1000,
    )
    balances = [10**12] * args.meters + [CLOSE_CREDIT_IDR] * args.close_meters
    accounts = PrepaidAccount.objects.bulk_create(
        [
            PrepaidAccount(tenant_id=m.tenant_id, meter=m, balance_idr=b)
            for m, b in zip(meters, balances, strict=True)
        ],
        batch_size=1000,
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                tenant_id=a.tenant_id,
                account=a,
                kind=EntryKind.TOPUP,
                amount_idr=a.balance_idr,
                balance_after_idr=a.balance_idr,
                idempotency_key=f"bench-topup:{a.pk}",
            )
            for a in accounts
        ],
        batch_size=1000,
    )
    described = [
        {"serial": m.serial, "key_id": m.device_key_id, "key": protocol.encode_key(k)}
        for m, k in zip(meters, keys, strict=True)
    ]
    return described[: args.meters], described[args.meters :]


def stored_estimate(database: object) -> int:
    """Committed readings, cheaply: the highest committed id (ids are never reused)."""
    row = database.execute("SELECT coalesce(max(id), 0) FROM water_meters_reading").fetchone()  # type: ignore[attr-defined]
    return int(row[0])


def publish_main(spec_path: str, out_path: str) -> None:
    """The publisher process: signed readings messages at full speed, publish times out."""
    import paho.mqtt.client as mqtt
    import psycopg

    from water.meters.devices import protocol

    spec = json.loads(Path(spec_path).read_text())
    meters, per_message = spec["meters"], spec["readings"]
    base = datetime.fromisoformat(spec["base"])
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{os.getpid()}")
    client.max_inflight_messages_set(spec["inflight"])
    client.max_queued_messages_set(0)
    client.connect(spec["host"], spec["port"])
    client.loop_start()
    keys = [protocol.decode_key(m["key"]) for m in meters]
    database = psycopg.connect(spec["database"], autocommit=True)
    window, stored, report_at = spec["window"] * per_message, 0, time.time() + 5
    sent: list[tuple[str, int, float]] = []
    infos = []
    deadline = time.time() + spec["seconds"]
    rounds = 0
    while time.time() < deadline and rounds < spec["max_rounds"]:
        for meter, key in zip(meters, keys, strict=True):
            first = rounds * per_message
            body = {
                "readings": [
                    {
                        "taken_at": (base + timedelta(seconds=first + j)).isoformat(),
                        "register_litres": 3 * (first + j),
                    }
                    for j in range(per_message)
                ]
            }
            topic = protocol.readings_topic(meter["serial"])
            envelope = protocol.envelope_seal(
                key=key, key_id=meter["key_id"], topic=topic, body=body, timestamp=int(time.time())
            )
            if time.time() > report_at:
                print(f"publisher: {len(sent):,} messages, ~{stored:,} stored", file=sys.stderr)
                report_at = time.time() + 5
            while len(sent) * per_message - stored > window:
                stored = stored_estimate(database)  # the broker drops QoS 1 messages
                if len(sent) * per_message - stored > window:  # past its queue limit
                    time.sleep(0.02)
            stamp = time.time()
            infos.append(client.publish(topic, envelope.to_bytes(), qos=1))
            sent.append((meter["serial"], first, stamp))
        rounds += 1
    for info in infos:
        info.wait_for_publish(timeout=60)
    client.loop_stop()
    client.disconnect()
    Path(out_path).write_text(json.dumps({"sent": sent, "rounds": rounds}))


def start_consumers(args: argparse.Namespace) -> None:
    for _ in range(args.consumers):
        CHILDREN.append(
            subprocess.Popen(  # noqa: S603 (our own interpreter and script)
                [sys.executable, "manage.py", "ingest_mqtt", "--group", args.group, *args.extra],
                cwd=ROOT,
                env=child_env(args),
                stdout=subprocess.DEVNULL,
                stderr=open(ROOT / "var" / f"bench-consumer-{len(CHILDREN)}.log", "wb"),  # noqa: SIM115
            )
        )


def stop_children() -> None:
    for child in CHILDREN:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in CHILDREN:
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
    CHILDREN.clear()


def wait_subscribed(args: argparse.Namespace) -> None:
    """Give the consumers time to subscribe (they log nothing we can wait on cheaply)."""
    time.sleep(args.startup)


def throughput(args: argparse.Namespace, meters: list[dict[str, str]]) -> dict[str, float]:
    from water.billing.services.ledger_check import ledger_check
    from water.meters.models import Reading

    base = (datetime.now(UTC) - timedelta(hours=6)).replace(microsecond=0)
    spec = {
        "meters": meters,
        "readings": args.readings,
        "seconds": args.seconds,
        "max_rounds": 21_000 // args.readings,
        "base": base.isoformat(),
        "host": args.host,
        "port": args.port,
        "inflight": args.inflight,
        "window": args.window,
        "database": f"{SERVER}/{args.db}",
    }
    spec_path, out_path = ROOT / "var" / "bench-spec.json", ROOT / "var" / "bench-sent.json"
    spec_path.write_text(json.dumps(spec))
    out_path.unlink(missing_ok=True)
    publisher = subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [sys.executable, __file__, "--publish", str(spec_path), str(out_path)],
        cwd=ROOT,
        env=child_env(args),
    )
    CHILDREN.append(publisher)
    publisher.wait(timeout=args.seconds + 120)
    sent_data = json.loads(out_path.read_text())
    sent = sent_data["sent"]
    published = len(sent) * args.readings
    first_publish = min(s[2] for s in sent)
    last_publish = max(s[2] for s in sent)
    stored, done_at, deadline = 0, time.time(), time.time() + args.drain_timeout
    while time.time() < deadline:
        stored = Reading.objects.count()
        done_at = time.time()
        if stored >= published:
            break
        time.sleep(0.1)
    ids = {m["serial"]: i for i, m in enumerate(meters)}
    published_at = {(ids[serial], first): stamp for serial, first, stamp in sent}
    latencies: list[float] = []
    rows = Reading.objects.values_list("meter__serial", "taken_at", "received_at")
    for serial, taken_at, received_at in rows.iterator(chunk_size=20_000):
        offset = int((taken_at - base).total_seconds())
        first = offset - offset % args.readings
        stamp = published_at.get((ids[serial], first))
        if stamp is not None:
            latencies.append(received_at.timestamp() - stamp)
    report = ledger_check()
    span = done_at - first_publish
    return {
        "published": published,
        "messages": len(sent),
        "stored": stored,
        "publish_s": last_publish - first_publish,
        "span_s": span,
        "readings_s": stored / span,
        "messages_s": stored / args.readings / span,
        "publish_rate": published / max(1e-9, last_publish - first_publish),
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "max": max(latencies),
        "ledger_ok": float(not report.problems),
        "ledger_entries": report.entries,
    }


def close_latency(args: argparse.Namespace, meters: list[dict[str, str]]) -> dict[str, float]:
    import paho.mqtt.client as mqtt

    from water.meters.devices import protocol

    arrived: dict[str, float] = {}
    lock = threading.Lock()

    def on_message(_c: object, _u: object, message: mqtt.MQTTMessage) -> None:
        envelope = protocol.envelope_parse(message.payload)
        if envelope is not None and json.loads(envelope.body).get("kind") == "close":
            serial = message.topic.split("/")[1]
            with lock:
                arrived.setdefault(serial, time.time())

    listener = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-commands")
    listener.on_message = on_message
    listener.connect(args.host, args.port)
    listener.subscribe(f"{protocol.TOPIC_ROOT}/+/commands", qos=1)
    listener.loop_start()
    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-close-pub")
    publisher.connect(args.host, args.port)
    publisher.loop_start()
    time.sleep(1.0)
    base = (datetime.now(UTC) - timedelta(minutes=30)).replace(microsecond=0)
    sent: dict[str, float] = {}
    for meter in meters:
        body = {
            "readings": [
                {"taken_at": base.isoformat(), "register_litres": 0},
                {"taken_at": (base + timedelta(minutes=1)).isoformat(), "register_litres": 50_000},
            ]
        }
        topic = protocol.readings_topic(meter["serial"])
        envelope = protocol.envelope_seal(
            key=protocol.decode_key(meter["key"]),
            key_id=meter["key_id"],
            topic=topic,
            body=body,
            timestamp=int(time.time()),
        )
        sent[meter["serial"]] = time.time()
        publisher.publish(topic, envelope.to_bytes(), qos=1).wait_for_publish(timeout=10)
        time.sleep(args.close_gap)
    deadline = time.time() + 30
    while time.time() < deadline and len(arrived) < len(sent):
        time.sleep(0.05)
    for client in (listener, publisher):
        client.loop_stop()
        client.disconnect()
    waits = [arrived[s] - sent[s] for s in sent if s in arrived]
    return {
        "meters": len(sent),
        "closed": len(waits),
        "p50": percentile(waits, 50) if waits else float("nan"),
        "p99": percentile(waits, 99) if waits else float("nan"),
        "max": max(waits) if waits else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meters", type=int, default=2000)
    parser.add_argument("--consumers", type=int, default=2)
    parser.add_argument("--readings", type=int, default=10, help="readings per message")
    parser.add_argument("--seconds", type=float, default=30, help="publishing duration")
    parser.add_argument("--close-meters", type=int, default=50)
    parser.add_argument("--close-gap", type=float, default=0.05, help="s between close tests")
    parser.add_argument("--inflight", type=int, default=1000, help="publisher QoS 1 window")
    parser.add_argument(
        "--window",
        type=int,
        default=600,
        help="most messages published but not yet stored (Mosquitto queues 1,000 messages "
        "per consumer and drops QoS 1 messages beyond that)",
    )
    parser.add_argument("--db", default="bench_ingest")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--mqtt", default="mqtt://127.0.0.1:1883")
    parser.add_argument("--startup", type=float, default=6.0, help="s for consumers to start")
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("extra", nargs="*", help="extra ingest_mqtt options (after --)")
    args = parser.parse_args()
    # A fresh group per run: a stopped consumer's session (and its share of the group's
    # messages) lives on in the broker for SESSION_EXPIRY_SECONDS.
    args.group = f"bench-{os.getpid()}"
    args.host, args.port = "127.0.0.1", 1883
    if args.mqtt.startswith("mqtt://"):
        host_port = args.mqtt.removeprefix("mqtt://").split("/")[0]
        args.host, _, port = host_port.partition(":")
        args.port = int(port or 1883)
    os.environ.update(child_env(args))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    fresh_database(args)
    import django

    django.setup()
    try:
        meters, close_meters = seed(args)
        start_consumers(args)
        wait_subscribed(args)
        result = throughput(args, meters)
        closing = close_latency(args, close_meters) if close_meters else None
    finally:
        stop_children()
    print(f"\ncommand: python3 -m uv run python {' '.join(sys.argv)}")
    print(
        f"PostgreSQL + Redis + Mosquitto on loopback, {os.cpu_count()} cores shared by "
        f"the database, broker, publisher and {args.consumers} consumers\n"
    )
    print(f"{'meters':<36}{args.meters:>14,}")
    print(f"{'readings per message':<36}{args.readings:>14}")
    print(f"{'messages published':<36}{result['messages']:>14,.0f}")
    print(
        f"{'readings published / stored':<36}{result['published']:>7,.0f} / {result['stored']:,.0f}"
    )
    print(f"{'publisher rate (readings/s)':<36}{result['publish_rate']:>14,.0f}")
    print(f"{'first publish -> last stored (s)':<36}{result['span_s']:>14.2f}")
    print(f"{'sustained readings/s':<36}{result['readings_s']:>14,.0f}")
    print(f"{'sustained messages/s':<36}{result['messages_s']:>14,.0f}")
    for name in ("p50", "p95", "p99", "max"):
        print(f"{'publish -> stored ' + name + ' (s)':<36}{result[name]:>14.3f}")
    ledger = "ok" if result["ledger_ok"] else "PROBLEMS"
    print(f"{'check_ledger':<36}{ledger:>14} ({result['ledger_entries']:,.0f} entries)")
    if closing:
        print(
            f"{'close: meters / commands received':<36}"
            f"{closing['meters']:>7.0f} / {closing['closed']:.0f}"
        )
        for name in ("p50", "p99", "max"):
            print(f"{'close: reading -> command ' + name + ' (s)':<36}{closing[name]:>14.3f}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--publish":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
        publish_main(sys.argv[2], sys.argv[3])
    else:
        try:
            main()
        except KeyboardInterrupt:
            stop_children()
            sys.exit(130)
