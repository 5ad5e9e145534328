"""Simulated household meters speaking the real signed protocol (HTTP or MQTT).

Each simulated meter is an enrolled device: it uses the meter's current device key, or, when
the meter has none yet, issues itself a provisioning token and enrols. It then reports its
register every `interval` seconds: a household curve with morning and evening peaks, quiet
nights, an occasional leak, a slowly draining battery; no water flows while its valve is
closed. It fetches its commands, obeys them and acknowledges them.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import OperationalError, connections

from core.crypto.fields import DecryptionError
from water.meters.devices import protocol
from water.meters.devices.provisioning import device_enrol, provisioning_token_issue
from water.meters.devices.sim_transport import (
    DeviceIdentity,
    HttpTransport,
    MqttTransport,
    Transport,
)
from water.meters.models import Meter, MeterStatus, ValveState

logger = logging.getLogger("water.devices.simulator")

# Mean litres per minute in each local hour of a household day: morning and evening peaks.
HOURLY_LPM = (
    0.0, 0.0, 0.0, 0.0, 0.2, 1.5, 4.5, 5.0, 3.0, 1.5, 1.0, 1.2,
    1.8, 1.2, 0.8, 0.8, 1.5, 3.0, 4.0, 3.5, 2.5, 1.5, 0.6, 0.1,
)  # fmt: skip
LEAK_START_CHANCE = 0.002  # per report
LEAK_STOP_CHANCE = 0.02
BATTERY_DRAIN_PCT = 0.002  # per report


@dataclass
class SimulatedMeter:
    """One meter's physical state: register, valve, battery, and whether a pipe leaks."""

    device: DeviceIdentity
    zone: ZoneInfo
    register_litres: float
    valve_open: bool = True
    battery_pct: float = 100.0
    leak_lpm: float = 0.0
    rng: random.Random = field(default_factory=random.Random)

    def advance(self, seconds: float, now: datetime) -> dict[str, object]:
        """Let `seconds` of water flow (none while closed) and return the reading to send."""
        if self.leak_lpm == 0 and self.rng.random() < LEAK_START_CHANCE:
            self.leak_lpm = round(self.rng.uniform(0.2, 1.5), 2)
        elif self.leak_lpm and self.rng.random() < LEAK_STOP_CHANCE:
            self.leak_lpm = 0.0
        local = now.astimezone(self.zone)
        mean = HOURLY_LPM[local.hour]
        use = max(0.0, self.rng.gauss(mean, mean / 3)) if mean else 0.0
        lpm = (use + self.leak_lpm) if self.valve_open else 0.0
        self.register_litres += lpm * seconds / 60
        self.battery_pct = max(0.0, self.battery_pct - BATTERY_DRAIN_PCT)
        return {
            "taken_at": local.isoformat(timespec="seconds"),
            "register_litres": math.floor(self.register_litres),
            "flow_lpm": round(lpm, 2),
            "battery_pct": round(self.battery_pct),
            "signal_dbm": self.rng.randint(-95, -60),
            "flags": [],
        }

    def obey(self, transport: Transport) -> None:
        """Carry out pending commands and acknowledge each."""
        for command in transport.fetch_commands(self.device):
            if command.get("kind") == "open":
                self.valve_open = True
            elif command.get("kind") == "close":
                self.valve_open = False
            state = ValveState.OPEN if self.valve_open else ValveState.CLOSED
            transport.ack(self.device, int(command["id"]), "acknowledged", state)


def _identity(meter: Meter) -> DeviceIdentity:
    """The meter's device credentials, enrolling it first when it has none."""
    if meter.device_key and meter.device_key_id:
        try:
            key = protocol.decode_key(meter.device_key)
            return DeviceIdentity(meter.serial, meter.device_key_id, key)
        except (ValueError, DecryptionError):
            logger.warning("meter %s: stored key unreadable; enrolling again", meter.serial)
    issued = provisioning_token_issue(meter=meter, actor=None)
    enrolment = device_enrol(serial=meter.serial, token=issued.token)
    return DeviceIdentity(meter.serial, enrolment.key_id, protocol.decode_key(enrolment.device_key))


def simulated_meters(*, count: int, tenant_slug: str | None = None) -> list[SimulatedMeter]:
    """Up to `count` active meters (of one tenant if given), ready to report."""
    meters = Meter.objects.filter(status=MeterStatus.ACTIVE).select_related("tenant")
    if tenant_slug:
        meters = meters.filter(tenant__slug=tenant_slug)
    found: list[SimulatedMeter] = []
    for meter in meters.order_by("pk")[:count]:
        zone_name = getattr(getattr(meter.tenant, "water_client", None), "timezone", "")
        found.append(
            SimulatedMeter(
                device=_identity(meter),
                zone=ZoneInfo(zone_name or "Asia/Jakarta"),
                register_litres=float(meter.last_register_litres or 0),
                valve_open=meter.valve_state != ValveState.CLOSED,
                battery_pct=float(meter.battery_pct if meter.battery_pct is not None else 100),
                rng=random.Random(meter.pk),  # noqa: S311 (a simulation, not security)
            )
        )
    return found


def _fleet(config: SimulatorConfig, stop: threading.Event) -> list[SimulatedMeter]:
    """The meters to simulate; enrolment retried while another thread holds a table lock.

    In the embedded mode the simulator starts beside the web server and the worker threads on
    one SQLite database, whose table locks are not waited for like row locks.
    """
    for attempt in range(8):
        try:
            return simulated_meters(count=config.count, tenant_slug=config.tenant_slug)
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            logger.warning("meter simulator: database busy, retrying enrolment")
            connections.close_all()
            if stop.wait(0.25 * (attempt + 1)):
                return []
    return simulated_meters(count=config.count, tenant_slug=config.tenant_slug)


@dataclass
class SimulatorConfig:
    """What to simulate and where to send it."""

    count: int = 5
    interval: float = 10.0
    transport: str = "http"
    tenant_slug: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    mqtt_url: str | None = None


def simulator_run(config: SimulatorConfig, stop: threading.Event) -> int:
    """Report every `interval` seconds until `stop` is set; returns the reports sent."""
    fleet = _fleet(config, stop)
    connections.close_all()  # from here on the simulator is a device: wire protocol only
    if not fleet:
        logger.warning("meter simulator: no active meters to simulate")
        return 0
    transport: Transport
    if config.transport == "mqtt":
        from water.meters.devices.mqtt import mqtt_url

        transport = MqttTransport(config.mqtt_url or mqtt_url(), [m.device for m in fleet])
    else:
        transport = HttpTransport(config.base_url)
    logger.info("meter simulator: %d meters over %s", len(fleet), config.transport)
    sent, last = 0, time.monotonic()
    try:
        while not stop.is_set():
            now, tick = datetime.now(UTC), time.monotonic()
            elapsed, last = tick - last, tick
            for meter in fleet:
                reading = meter.advance(max(elapsed, config.interval / 10), now)
                if transport.send_readings(meter.device, [reading]):
                    sent += 1
                meter.obey(transport)
            stop.wait(config.interval)
    finally:
        transport.close()
    return sent


def start_simulator_thread(config: SimulatorConfig | None = None) -> Callable[[], None]:
    """Start the simulator in a daemon thread (for `serve`'s SERVE_BACKGROUND); returns stop.

    Without a config: 5 meters every 10 s over HTTP to settings.PUBLIC_BASE_URL.
    """
    chosen = config or SimulatorConfig(
        base_url=getattr(settings, "PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    )
    stop = threading.Event()

    def run() -> None:
        try:
            stop.wait(2.0)  # let the web server start listening first
            simulator_run(chosen, stop)
        except Exception:
            logger.exception("meter simulator stopped by an error")
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="meter-simulator", daemon=True)
    thread.start()

    def stop_simulator() -> None:
        stop.set()
        thread.join(timeout=chosen.interval + 15)

    return stop_simulator
