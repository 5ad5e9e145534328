"""How a simulated meter talks to the platform: the real signed HTTP or MQTT protocol.

Used by the meter simulator only; it is a device, so it signs every request and message and
verifies the signature of every command the platform sends it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from water.meters.devices import protocol

logger = logging.getLogger("water.devices.simulator")
API_PREFIX = "/api/v1/water"
HTTP_TIMEOUT = 10


@dataclass
class DeviceIdentity:
    """What an enrolled meter keeps in its flash: serial, key id and key."""

    serial: str
    key_id: str
    key: bytes


class Transport(Protocol):
    def send_readings(self, device: DeviceIdentity, readings: list[dict[str, Any]]) -> bool: ...

    def fetch_commands(self, device: DeviceIdentity) -> list[dict[str, Any]]: ...

    def ack(self, device: DeviceIdentity, command_id: int, status: str, valve: str) -> None: ...

    def close(self) -> None: ...


class HttpTransport:
    """Signed requests to the device endpoints under `base_url`."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https"):
            raise ValueError("The simulator's base URL must be http:// or https://.")
        self.base_url = base_url.rstrip("/")
        self.base_path = parts.path.rstrip("/")
        self.pending: dict[str, bool] = {}

    def _call(
        self, device: DeviceIdentity, method: str, path: str, body: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        data = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
        full_path = f"{self.base_path}{API_PREFIX}{path}"
        stamp, nonce = int(time.time()), protocol.new_nonce()
        headers = {
            "Content-Type": "application/json",
            protocol.HEADER_KEY_ID: device.key_id,
            protocol.HEADER_TIMESTAMP: str(stamp),
            protocol.HEADER_NONCE: nonce,
            protocol.HEADER_SIGNATURE: protocol.sign(
                device.key, method=method, path=full_path, timestamp=stamp, nonce=nonce, body=data
            ),
        }
        url = f"{self.base_url}{API_PREFIX}{path}"
        request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            url, data=data if body is not None else None, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
                result: dict[str, Any] = json.loads(response.read() or b"{}")
                return result
        except urllib.error.HTTPError as exc:
            logger.warning("simulated meter %s: HTTP %s on %s", device.serial, exc.code, path)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            logger.info("simulated meter %s: platform unreachable (%s)", device.serial, exc)
        return None

    def send_readings(self, device: DeviceIdentity, readings: list[dict[str, Any]]) -> bool:
        answer = self._call(device, "POST", "/devices/readings", {"readings": readings})
        if answer is None:
            return False
        self.pending[device.serial] = bool(answer.get("valve", {}).get("pending_command"))
        return True

    def fetch_commands(self, device: DeviceIdentity) -> list[dict[str, Any]]:
        if not self.pending.get(device.serial):
            return []
        answer = self._call(device, "GET", "/devices/commands", None)
        return list(answer.get("commands", [])) if answer else []

    def ack(self, device: DeviceIdentity, command_id: int, status: str, valve: str) -> None:
        body = {"status": status, "valve_state": valve, "notes": "simulated"}
        self._call(device, "POST", f"/devices/commands/{command_id}/ack", body)

    def close(self) -> None:
        return None


class MqttTransport:
    """Signed messages on the meters' topics; commands arrive on their command topics."""

    def __init__(self, url: str, devices: list[DeviceIdentity]) -> None:
        from water.meters.devices.mqtt import BrokerAddress

        address = BrokerAddress.parse(url)
        self.devices = {d.serial: d for d in devices}
        self.inbox: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.lock = threading.Lock()
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"simulator-{protocol.new_nonce()[:12]}",
            protocol=paho.MQTTv5,
        )
        if address.username:
            self.client.username_pw_set(address.username, address.password)
        if address.tls:
            self.client.tls_set()
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.connect_async(address.host, address.port)
        self.client.loop_start()

    def _on_connect(self, client: paho.Client, *args: Any) -> None:
        for serial in self.devices:
            client.subscribe(protocol.commands_topic(serial), qos=1)

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        parsed = protocol.serial_of_topic(message.topic)
        envelope = protocol.envelope_parse(bytes(message.payload))
        device = self.devices.get(parsed[0]) if parsed else None
        if device is None or envelope is None:
            return
        expected = protocol.sign(
            device.key,
            method=protocol.MQTT_METHOD,
            path=message.topic,
            timestamp=envelope.timestamp,
            nonce=envelope.nonce,
            body=envelope.body.encode(),
        )
        fresh = abs(time.time() - envelope.timestamp) <= protocol.CLOCK_SKEW_SECONDS
        if envelope.key_id != device.key_id or not fresh:
            return
        if not protocol.signature_matches(expected, envelope.signature):
            logger.warning("simulated meter %s: command with a bad signature", device.serial)
            return
        body = json.loads(envelope.body)
        with self.lock:
            self.inbox[device.serial].append({**body, "id": body["command_id"]})

    def _publish(self, device: DeviceIdentity, topic: str, body: dict[str, Any]) -> bool:
        envelope = protocol.envelope_seal(
            key=device.key, key_id=device.key_id, topic=topic, body=body, timestamp=int(time.time())
        )
        info = self.client.publish(topic, envelope.to_bytes(), qos=1)
        return info.rc == paho.MQTT_ERR_SUCCESS

    def send_readings(self, device: DeviceIdentity, readings: list[dict[str, Any]]) -> bool:
        return self._publish(device, protocol.readings_topic(device.serial), {"readings": readings})

    def fetch_commands(self, device: DeviceIdentity) -> list[dict[str, Any]]:
        with self.lock:
            return self.inbox.pop(device.serial, [])

    def ack(self, device: DeviceIdentity, command_id: int, status: str, valve: str) -> None:
        body = {"command_id": command_id, "status": status, "valve_state": valve, "notes": ""}
        self._publish(device, protocol.acks_topic(device.serial), body)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
