"""The meter simulator: a household's day, the valve obeyed, and the real wire protocol."""

from __future__ import annotations

import random
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from water.billing.services import account_credit
from water.billing.tests.factories import billable
from water.meters.devices import protocol
from water.meters.devices.mqtt_batch import retrying
from water.meters.devices.sim_transport import DeviceIdentity
from water.meters.devices.simulator import (
    SimulatedMeter,
    SimulatorConfig,
    simulator_run,
    start_simulator_thread,
)
from water.meters.models import Meter, Reading, ValveState
from water.meters.tests.test_devices_mqtt import Running
from water.valves.models import CommandStatus, ValveCommand
from water.valves.services import valve_command_queue

JAKARTA = ZoneInfo("Asia/Jakarta")


def _meter(**fields) -> SimulatedMeter:
    identity = DeviceIdentity(serial="IW-SIM", key_id="k1", key=bytes(32))
    return SimulatedMeter(
        device=identity,
        zone=JAKARTA,
        register_litres=1_000.0,
        rng=random.Random(7),
        **fields,
    )


def _wait_for(condition, timeout: float = 60.0) -> None:
    # Generous: on SQLite the simulator, the consumer and this poll share one in-memory
    # database and take turns on its table locks, which is slow on a loaded 2-core machine.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if retrying(condition):
            return
        time.sleep(0.25)
    raise AssertionError("condition not met in time")


def test_a_household_uses_water_at_the_morning_peak_and_none_at_3_am():
    meter = _meter()
    night = meter.advance(600, datetime(2026, 3, 2, 3, 0, tzinfo=JAKARTA))
    morning = meter.advance(600, datetime(2026, 3, 2, 7, 0, tzinfo=JAKARTA))
    assert night["register_litres"] == 1_000
    assert night["flow_lpm"] == 0.0
    assert morning["register_litres"] > 1_000
    assert morning["taken_at"] == "2026-03-02T07:00:00+07:00"


def test_no_water_flows_while_the_valve_is_closed_not_even_a_leak():
    meter = _meter(valve_open=False, leak_lpm=1.0)
    reading = meter.advance(3_600, datetime(2026, 3, 2, 7, 0, tzinfo=JAKARTA))
    assert (reading["register_litres"], reading["flow_lpm"]) == (1_000, 0.0)


def test_a_leak_flows_through_the_night_and_the_battery_drains():
    meter = _meter(leak_lpm=0.5)
    meter.rng = random.Random(1)  # no leak start/stop draws below 0.02 in the first step
    reading = meter.advance(600, datetime(2026, 3, 2, 2, 0, tzinfo=JAKARTA))
    assert reading["register_litres"] == 1_005
    assert meter.battery_pct < 100.0


@pytest.mark.django_db(transaction=True)
def test_the_simulator_reports_over_http_and_obeys_a_close_command(live_server):
    # given a credited meter that never enrolled
    world = billable()
    account_credit(meter=world.meter, amount_idr=50_000, kind="topup", idempotency_key=None)
    stop = threading.Event()
    config = SimulatorConfig(count=1, interval=0.3, base_url=live_server.url)
    thread = threading.Thread(target=simulator_run, args=(config, stop), daemon=True)
    # when the simulator runs against the live server
    thread.start()
    try:
        _wait_for(lambda: Reading.objects.filter(meter=world.meter).count() >= 2)
        # and the platform asks the valve to close
        command = retrying(
            lambda: valve_command_queue(meter=world.meter, kind="close", reason="test")
        )
        _wait_for(
            lambda: ValveCommand.objects.get(pk=command.pk).status == CommandStatus.ACKNOWLEDGED
        )
    finally:
        stop.set()
        thread.join(15)
    # then it enrolled itself, its readings arrived over HTTP, and the valve is closed
    meter = Meter.objects.get(pk=world.meter.pk)
    assert meter.device_key_id.startswith("k")
    assert set(Reading.objects.filter(meter=meter).values_list("source", flat=True)) == {"http"}
    assert meter.valve_state == ValveState.CLOSED
    assert not thread.is_alive()


@pytest.mark.django_db(transaction=True)
def test_the_simulator_reports_over_mqtt_to_the_consumers():
    world = billable()
    with Running(1):
        stop = threading.Event()
        config = SimulatorConfig(count=1, interval=0.3, transport="mqtt")
        thread = threading.Thread(target=simulator_run, args=(config, stop), daemon=True)
        thread.start()
        try:
            _wait_for(lambda: Reading.objects.filter(meter=world.meter).count() >= 2)
        finally:
            stop.set()
            thread.join(15)
    sources = set(Reading.objects.filter(meter=world.meter).values_list("source", flat=True))
    assert sources == {"mqtt"}


@pytest.mark.django_db(transaction=True)
def test_the_background_starter_returns_a_stop_that_ends_the_thread(live_server):
    world = billable()
    stop = start_simulator_thread(SimulatorConfig(count=1, interval=0.3, base_url=live_server.url))
    try:
        _wait_for(lambda: Reading.objects.filter(meter=world.meter).exists())
    finally:
        stop()
    assert not any(t.name == "meter-simulator" and t.is_alive() for t in threading.enumerate())
    assert protocol.decode_key(Meter.objects.get(pk=world.meter.pk).device_key)
