"""The blocking half of MQTT ingestion: verify, parse and apply a batch of messages.

Runs in the consumer's worker thread, never on its event loop. Every message is checked
exactly like an HTTP request (method "MQTT", path = the topic), and its topic's serial must
be the signing meter's. Readings are grouped by meter and applied with one
`device_readings_ingest` per meter per batch; a redelivered message changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC

from django.db import OperationalError, close_old_connections
from django.utils import timezone
from pydantic import ValidationError

from core.errors import ApplicationError
from water.billing.inputs import ReadingInput
from water.errors import DeviceAuthFailed
from water.meters.devices import protocol
from water.meters.devices.auth import device_verify
from water.meters.devices.ingestion import device_readings_ingest, device_seen
from water.meters.devices.schemas import AckIn, ReadingsIn
from water.meters.models import Meter, ReadingSource
from water.valves.delivery import command_ack, commands_claim_for_mqtt

logger = logging.getLogger("water.devices.mqtt")
APPLY_ATTEMPTS = 8


class AckMessage(AckIn):
    command_id: int


@dataclass(frozen=True)
class Inbound:
    """One received MQTT message."""

    topic: str
    payload: bytes


@dataclass
class BatchOutcome:
    """What a batch did: readings stored, duplicates ignored, acks applied, messages refused."""

    accepted: int = 0
    duplicates: int = 0
    acks: int = 0
    rejected: int = 0
    failed_meters: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Outbound:
    """A signed command message to publish (QoS 1)."""

    topic: str
    payload: bytes
    command_id: int


def _verified(message: Inbound) -> tuple[Meter, str, str] | None:
    """(meter, channel, body text) of a correctly signed message on its own topic."""
    parsed = protocol.serial_of_topic(message.topic)
    envelope = protocol.envelope_parse(message.payload)
    if parsed is None or envelope is None or parsed[1] not in ("readings", "acks"):
        return None
    try:
        meter = device_verify(
            key_id=envelope.key_id,
            timestamp=envelope.timestamp,
            nonce=envelope.nonce,
            signature=envelope.signature,
            method=protocol.MQTT_METHOD,
            path=message.topic,
            body=envelope.body.encode(),
        )
    except DeviceAuthFailed:
        return None
    if meter.serial != parsed[0]:
        logger.warning("mqtt message on another meter's topic", extra={"topic": message.topic})
        return None
    return meter, parsed[1], envelope.body


def _reading_inputs(body: str) -> list[ReadingInput]:
    payload = ReadingsIn.model_validate_json(body)
    return [
        ReadingInput(
            taken_at=item.taken_at.astimezone(UTC),
            register_litres=item.register_litres,
            flow_lpm=item.flow_lpm,
            battery_pct=item.battery_pct,
            signal_dbm=item.signal_dbm,
            flags=tuple(item.flags),
        )
        for item in payload.readings
    ]


def retrying[T](func: Callable[[], T]) -> T:
    """Run `func`, retrying a database lock timeout or deadlock with back-off (≈ 3 s in all).

    Each call is its own transaction, so a retry starts clean.
    """
    for attempt in range(APPLY_ATTEMPTS):
        try:
            return func()
        except OperationalError:
            if attempt == APPLY_ATTEMPTS - 1:
                raise
            time.sleep(min(0.05 * 2**attempt, 1.0))
    raise AssertionError("unreachable")


def _apply_meter(meter: Meter, readings: list[ReadingInput], outcome: BatchOutcome) -> None:
    """Apply one meter's readings; if the database keeps refusing, drop them with an error
    log: registers are cumulative, so the meter's next reading bills the same litres."""
    try:
        result = retrying(
            lambda: device_readings_ingest(
                meter=meter, readings=readings, source=ReadingSource.MQTT
            )
        )
    except OperationalError:
        logger.exception("mqtt readings dropped", extra={"meter_id": meter.pk})
        outcome.failed_meters.append(meter.pk)
        return
    outcome.accepted += result.applied.accepted
    outcome.duplicates += result.applied.duplicates


def _apply_ack(meter: Meter, ack: AckMessage) -> None:
    device_seen(meter=meter)
    command_ack(
        meter=meter,
        command_id=ack.command_id,
        status=ack.status,
        valve_state=ack.valve_state,
        notes=ack.notes,
    )


def mqtt_batch_apply(messages: Sequence[Inbound]) -> BatchOutcome:
    """Verify every message, apply readings per meter and acks in arrival order."""
    close_old_connections()
    outcome = BatchOutcome()
    meters: dict[int, Meter] = {}
    readings: dict[int, list[ReadingInput]] = defaultdict(list)
    acks: list[tuple[Meter, AckMessage]] = []
    for message in messages:
        try:
            verified = retrying(lambda m=message: _verified(m))  # type: ignore[misc]
        except OperationalError:
            logger.exception("mqtt message not verified", extra={"topic": message.topic})
            verified = None
        if verified is None:
            outcome.rejected += 1
            continue
        meter, channel, body = verified
        try:
            if channel == "readings":
                readings[meter.pk].extend(_reading_inputs(body))
                meters[meter.pk] = meter
            else:
                acks.append((meter, AckMessage.model_validate_json(body)))
        except ValidationError:
            logger.warning("mqtt message body invalid", extra={"topic": message.topic})
            outcome.rejected += 1
    for meter_id, batch in readings.items():
        _apply_meter(meters[meter_id], batch, outcome)
    for meter, ack in acks:
        try:
            retrying(lambda m=meter, a=ack: _apply_ack(m, a))  # type: ignore[misc]
            outcome.acks += 1
        except ApplicationError as exc:
            logger.warning("mqtt ack refused", extra={"code": exc.code, "meter_id": meter.pk})
            outcome.rejected += 1
        except OperationalError:
            logger.exception("mqtt ack dropped", extra={"meter_id": meter.pk})
            outcome.rejected += 1
    return outcome


def mqtt_commands_outbound(*, limit: int = 100) -> list[Outbound]:
    """Claim pending commands of MQTT meters and sign them for their command topics."""
    close_old_connections()
    outbound: list[Outbound] = []
    now = int(time.time())
    for command in commands_claim_for_mqtt(limit=limit):
        meter = command.meter
        topic = protocol.commands_topic(meter.serial)
        body = {
            "command_id": command.pk,
            "kind": command.kind,
            "priority": command.priority,
            "attempt": command.attempts,
            "expires_at": command.expires_at.astimezone(UTC).isoformat(),
            "issued_at": timezone.now().astimezone(UTC).isoformat(),
        }
        envelope = protocol.envelope_seal(
            key=protocol.decode_key(meter.device_key),
            key_id=meter.device_key_id,
            topic=topic,
            body=body,
            timestamp=now,
        )
        outbound.append(Outbound(topic=topic, payload=envelope.to_bytes(), command_id=command.pk))
    return outbound
