"""MQTT ingestion against the local broker: shared consumers never double-bill.

Uses settings.MQTT_URL, or mqtt://127.0.0.1:1883 when unset (the broker runs on this machine).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from water.billing.models import PrepaidAccount
from water.billing.services import account_credit
from water.billing.tests.factories import billable
from water.meters.devices import protocol
from water.meters.devices.mqtt import BrokerAddress, IngestConsumer, mqtt_url
from water.meters.devices.mqtt_batch import Inbound, mqtt_batch_apply, retrying
from water.meters.models import Meter, MeterStatus, Reading, ValveState
from water.meters.tests.test_devices_support import Device, enrolled
from water.valves.models import CommandStatus, ValveCommand
from water.valves.services import valve_command_queue

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Jakarta on a Monday


def _publisher() -> paho.Client:
    address = BrokerAddress.parse(mqtt_url())
    client = paho.Client(
        CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4().hex[:8]}",
        protocol=paho.MQTTv5,
    )  # fmt: skip
    client.connect(address.host, address.port)
    client.loop_start()
    return client


def _readings_message(device: Device, registers: list[tuple[int, int]]) -> bytes:
    """A signed readings message; `registers` are (minutes after T0, litres)."""
    body = {
        "readings": [
            {"taken_at": (T0 + timedelta(minutes=m)).isoformat(), "register_litres": litres}
            for m, litres in registers
        ]
    }
    topic = protocol.readings_topic(device.meter.serial)
    envelope = protocol.envelope_seal(
        key=device.key, key_id=device.key_id, topic=topic, body=body, timestamp=int(time.time())
    )
    return envelope.to_bytes()


class Running:
    """Consumers of one fresh group, each on its own thread with its own event loop."""

    def __init__(self, count: int, **options) -> None:
        self.group = f"test-{uuid.uuid4().hex[:8]}"
        self.consumers = [
            IngestConsumer(group=self.group, batch_size=5, flush_ms=50, **options)
            for _ in range(count)
        ]
        self.threads = [
            threading.Thread(target=asyncio.run, args=(c.run(),), daemon=True)
            for c in self.consumers
        ]

    def __enter__(self) -> Running:
        for thread in self.threads:
            thread.start()
        for consumer in self.consumers:
            assert consumer.subscribed.wait(10), "consumer did not subscribe"
        return self

    def __exit__(self, *exc) -> None:
        for consumer in self.consumers:
            consumer.request_stop()
        for thread in self.threads:
            thread.join(15)
        assert not any(t.is_alive() for t in self.threads)

    def handled(self) -> int:
        return sum(
            c.totals.accepted + c.totals.duplicates + c.totals.rejected + c.totals.acks
            for c in self.consumers
        )


def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _credited(amount_idr: int = 1_000_000) -> Device:
    world = billable()
    account_credit(meter=world.meter, amount_idr=amount_idr, kind="topup", idempotency_key=None)
    return enrolled(world.meter)


@pytest.mark.django_db(transaction=True)
def test_two_consumers_store_every_reading_once_and_bill_it_once():
    # given two meters with Rp 1,000,000 each, on Rp 5,000/m³ for the first 10 m³
    devices = [_credited(), _credited()]
    n_per_meter = 20
    publisher = _publisher()
    with Running(2) as running:
        # when each meter publishes 20 readings of +100 litres, once each
        sent = 0
        for i in range(n_per_meter):
            for device in devices:
                payload = _readings_message(device, [(i, i * 100)])
                topic = protocol.readings_topic(device.meter.serial)
                publisher.publish(topic, payload, qos=1).wait_for_publish(5)
                sent += 1
        # and the broker delivers 10 of those messages again (a QoS-1 redelivery: same bytes)
        # while the devices resend their first 5 readings in new messages (new nonces)
        for i in range(5):
            for device in devices:
                topic = protocol.readings_topic(device.meter.serial)
                again = _readings_message(device, [(i, i * 100)])
                publisher.publish(topic, again, qos=1).wait_for_publish(5)
                sent += 1
        repeated = _readings_message(devices[0], [(99, 9_900)])
        topic = protocol.readings_topic(devices[0].meter.serial)
        for _ in range(2):
            publisher.publish(topic, repeated, qos=1).wait_for_publish(5)
            sent += 1
        _wait_for(lambda: running.handled() == sent)
    publisher.disconnect()
    publisher.loop_stop()
    # then both consumers took part, and every reading is stored exactly once
    assert all(c.totals.accepted + c.totals.duplicates > 0 for c in running.consumers)
    assert Reading.objects.filter(meter=devices[0].meter).count() == n_per_meter + 1
    assert Reading.objects.filter(meter=devices[1].meter).count() == n_per_meter
    totals = [c.totals for c in running.consumers]
    assert sum(t.accepted for t in totals) == 2 * n_per_meter + 1
    assert sum(t.duplicates for t in totals) == 10
    assert sum(t.rejected for t in totals) == 1  # the byte-identical copy: its nonce is spent
    # and billed exactly once: 9.9 m³ and 1.9 m³ at Rp 5,000/m³
    balances = [PrepaidAccount.objects.get(meter=d.meter).balance_idr for d in devices]
    assert balances == [1_000_000 - 49_500, 1_000_000 - 9_500]


@pytest.mark.django_db(transaction=True)
def test_a_command_is_published_signed_and_its_ack_is_consumed():
    # given an MQTT meter (its last reading came over MQTT) and a device listening for commands
    device = _credited()
    publisher = _publisher()
    inbox: list[bytes] = []
    publisher.on_message = lambda client, userdata, message: inbox.append(message.payload)
    commands_topic = protocol.commands_topic(device.meter.serial)
    publisher.subscribe(commands_topic, qos=1)
    with Running(1, command_interval=0.1) as running:
        topic = protocol.readings_topic(device.meter.serial)
        publisher.publish(topic, _readings_message(device, [(0, 0)]), qos=1).wait_for_publish(5)
        _wait_for(lambda: running.handled() == 1)
        # when a close command is queued for it
        # (retrying: on the test's in-memory SQLite a write can meet the consumer's table lock)
        command = retrying(
            lambda: valve_command_queue(meter=device.meter, kind="close", reason="test")
        )

        def delivered():
            for payload in inbox:
                found = protocol.envelope_parse(payload)
                if found is not None and json.loads(found.body)["command_id"] == command.pk:
                    return found
            return None

        _wait_for(lambda: delivered() is not None)
        # then it arrives on its command topic, signed with the meter's key
        envelope = delivered()
        assert envelope is not None
        expected = protocol.sign(
            device.key,
            method="MQTT",
            path=commands_topic,
            timestamp=envelope.timestamp,
            nonce=envelope.nonce,
            body=envelope.body.encode(),
        )
        assert envelope.signature == expected
        assert envelope.key_id == device.key_id
        body = json.loads(envelope.body)
        assert (body["command_id"], body["kind"], body["attempt"]) == (command.pk, "close", 1)
        assert retrying(lambda: ValveCommand.objects.get(pk=command.pk)).status == "sent"
        # when the device acknowledges it
        ack = protocol.envelope_seal(
            key=device.key,
            key_id=device.key_id,
            topic=protocol.acks_topic(device.meter.serial),
            body={"command_id": command.pk, "status": "acknowledged", "valve_state": "closed"},
            timestamp=int(time.time()),
        )
        publisher.publish(protocol.acks_topic(device.meter.serial), ack.to_bytes(), qos=1)
        _wait_for(lambda: running.handled() == 2)
    publisher.disconnect()
    publisher.loop_stop()
    # then the command is acknowledged and the meter's valve is closed
    assert ValveCommand.objects.get(pk=command.pk).status == CommandStatus.ACKNOWLEDGED
    assert Meter.objects.get(pk=device.meter.pk).valve_state == ValveState.CLOSED


def test_a_consumer_that_cannot_reach_the_broker_backs_off_and_stops_on_request(caplog):
    # given a consumer pointed at a port where no broker listens
    consumer = IngestConsumer(url="mqtt://127.0.0.1:9", group="nowhere")
    thread = threading.Thread(target=asyncio.run, args=(consumer.run(),), daemon=True)
    # when it runs for a moment and is asked to stop
    thread.start()
    _wait_for(lambda: consumer.reconnects >= 1, timeout=10)
    consumer.request_stop()
    thread.join(5)
    # then it logged the reconnect and returned
    assert not thread.is_alive()
    assert "reconnecting in 1 s" in caplog.text


def test_broker_urls_are_parsed_with_credentials_and_tls():
    plain = BrokerAddress.parse("mqtt://127.0.0.1:1883")
    secure = BrokerAddress.parse("mqtts://ingest:p%40ss@broker.example.test")
    assert (plain.host, plain.port, plain.tls, plain.username) == ("127.0.0.1", 1883, False, None)
    assert (secure.port, secure.tls, secure.username, secure.password) == (
        8883,
        True,
        "ingest",
        "p@ss",
    )
    with pytest.raises(ValueError, match="mqtt"):
        BrokerAddress.parse("http://broker")


def _inbound(device: Device, registers: list[tuple[int, int]], serial: str | None = None):
    payload = _readings_message(device, registers)
    topic = protocol.readings_topic(serial or device.meter.serial)
    if serial is not None:  # re-sign for the other topic, so only the topic check refuses it
        envelope = protocol.envelope_parse(payload)
        assert envelope is not None
        payload = protocol.envelope_seal(
            key=device.key,
            key_id=device.key_id,
            topic=topic,
            body=json.loads(envelope.body),
            timestamp=int(time.time()),
        ).to_bytes()
    return Inbound(topic=topic, payload=payload)


@pytest.mark.django_db(transaction=True)  # the batch closes the connection (CONN_MAX_AGE)
def test_a_batch_is_verified_at_once_and_refuses_replays_old_keys_and_retired_meters():
    # given two live meters, one re-enrolled (its old key id is dead) and a retired one
    alive, other = _credited(), _credited()
    old = _credited()
    renewed = enrolled(old.meter)
    retired = _credited()
    Meter.objects.filter(pk=retired.meter.pk).update(status=MeterStatus.RETIRED)
    good = _inbound(alive, [(0, 0), (15, 40)])
    # when one batch carries them all, a replay of the first and a message on another topic
    outcome = mqtt_batch_apply(
        [
            good,
            good,  # the same nonce again, in the same batch
            _inbound(other, [(0, 0)]),
            _inbound(old, [(0, 0)]),  # signed with the key id the re-enrolment replaced
            _inbound(renewed, [(0, 5)]),
            _inbound(retired, [(0, 0)]),
            _inbound(alive, [(30, 50)], serial=other.meter.serial),
        ]
    )
    # then only the live keys' first messages are stored, and every other message is refused
    assert (outcome.accepted, outcome.rejected) == (4, 4)
    assert Reading.objects.filter(meter=alive.meter).count() == 2
    assert Reading.objects.filter(meter=old.meter).count() == 1
    assert not Reading.objects.filter(meter=retired.meter).exists()
    # and a later replay of an accepted message is refused too
    assert mqtt_batch_apply([good]).rejected == 1


@pytest.mark.django_db(transaction=True)
def test_a_close_is_published_right_after_the_batch_that_exhausted_the_credit():
    # given a meter with little credit and a consumer whose periodic publish is far away
    device = _credited(amount_idr=100)
    publisher = _publisher()
    inbox: list[bytes] = []
    publisher.on_message = lambda client, userdata, message: inbox.append(message.payload)
    publisher.subscribe(protocol.commands_topic(device.meter.serial), qos=1)
    with Running(1, command_interval=3600):
        time.sleep(0.5)  # past the consumer's first periodic publish
        # when a reading uses up the credit
        topic = protocol.readings_topic(device.meter.serial)
        message = _readings_message(device, [(0, 0), (15, 50_000)])
        publisher.publish(topic, message, qos=1).wait_for_publish(5)

        def closes() -> list[dict]:
            bodies = [protocol.envelope_parse(p) for p in inbox]
            return [json.loads(b.body) for b in bodies if b is not None]

        # then the close command arrives without waiting for the periodic publish
        _wait_for(lambda: any(c["kind"] == "close" for c in closes()), timeout=10)
    publisher.disconnect()
    publisher.loop_stop()
    assert PrepaidAccount.objects.get(meter=device.meter).balance_idr <= 0
