"""The blocking half of MQTT ingestion: verify, parse and apply a batch of messages.

Runs in the consumer's worker thread, never on its event loop. Every message is checked
exactly like an HTTP request (method "MQTT", path = the topic), and its topic's serial must
be the signing meter's; one query finds every key and one cache round trip claims every
nonce. Readings are grouped by meter and the whole batch is applied in one transaction
(`device_readings_ingest_many`); a redelivered message changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import OperationalError, close_old_connections, transaction
from django.utils import timezone
from pydantic import ValidationError

from core.errors import ApplicationError
from water.billing.inputs import ApplyResult, ReadingInput
from water.billing.services.bulk import readings_apply_many
from water.meters.devices import protocol
from water.meters.devices.auth import SignedRequest, device_verify_many
from water.meters.devices.ingestion import (
    FLAG_ALERTS,
    LOW_BATTERY_PCT,
    _telemetry_alerts,
    device_seen,
)
from water.meters.devices.schemas import AckIn, ReadingsIn
from water.meters.models import Meter, Reading, ReadingSource
from water.valves.delivery import command_ack, commands_claim_for_mqtt
from water.valves.models import Alert, AlertKind, AlertStatus

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
    commands_maybe: bool = False  # a balance at or below zero: a valve command may be queued


@dataclass(frozen=True)
class Outbound:
    """A signed command message to publish (QoS 1)."""

    topic: str
    payload: bytes
    command_id: int


def _verified_all(messages: Sequence[Inbound]) -> list[tuple[Meter, str, str] | None]:
    """(meter, channel, body text) of each correctly signed message on its own topic.

    Every message is checked like an HTTP request (method "MQTT", path = the topic), with
    one query for all key ids and one cache round trip for all nonces.
    """
    parsed: list[tuple[tuple[str, str], protocol.Envelope] | None] = []
    for message in messages:
        topic = protocol.serial_of_topic(message.topic)
        envelope = protocol.envelope_parse(message.payload)
        if topic is None or envelope is None or topic[1] not in ("readings", "acks"):
            parsed.append(None)
        else:
            parsed.append((topic, envelope))
    requests = [
        SignedRequest(
            key_id=item[1].key_id,
            timestamp=item[1].timestamp,
            nonce=item[1].nonce,
            signature=item[1].signature,
            method=protocol.MQTT_METHOD,
            path=message.topic,
            body=item[1].body.encode(),
        )
        for message, item in zip(messages, parsed, strict=True)
        if item is not None
    ]
    meters = iter(device_verify_many(requests))
    verified: list[tuple[Meter, str, str] | None] = []
    for message, item in zip(messages, parsed, strict=True):
        meter = next(meters) if item is not None else None
        if item is None or meter is None:
            verified.append(None)
        elif meter.serial != item[0][0]:
            logger.warning("mqtt message on another meter's topic", extra={"topic": message.topic})
            verified.append(None)
        else:
            verified.append((meter, item[0][1], item[1].body))
    return verified


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


def device_readings_ingest_many(
    batch: Mapping[int, tuple[Meter, Sequence[ReadingInput]]], *, source: str
) -> dict[int, ApplyResult]:
    """`device_readings_ingest` for many meters in one transaction (billing's answers).

    Billing goes through `readings_apply_many` (accounts locked in id order first); then,
    as per meter: the meters are marked heard, OFFLINE alerts resolved, and the device's
    own alerts raised for readings not stored before (low battery resolved in one update).
    """
    now = timezone.now()
    ids = sorted(batch)
    instants = {item.taken_at for _, items in batch.values() for item in items}
    with transaction.atomic():
        stored = set(
            Reading.objects.filter(meter_id__in=ids, taken_at__in=instants).values_list(
                "meter_id", "taken_at"
            )
        )
        results = readings_apply_many(batch, source=source)
        Meter.objects.filter(pk__in=ids).update(last_seen_at=now, updated_at=now)
        open_alerts = Alert.objects.exclude(status=AlertStatus.RESOLVED)
        open_alerts.filter(meter_id__in=ids, kind=AlertKind.OFFLINE).update(
            status=AlertStatus.RESOLVED, resolved_at=now
        )
        battery_fine: list[int] = []
        for pk in ids:
            meter, items = batch[pk]
            fresh: dict[datetime, ReadingInput] = {}
            for item in items:
                if (pk, item.taken_at) not in stored:
                    fresh.setdefault(item.taken_at, item)
            ordered = sorted(fresh.values(), key=lambda r: r.taken_at)
            batteries = [r.battery_pct for r in ordered if r.battery_pct is not None]
            flagged = any(flag in FLAG_ALERTS for r in ordered for flag in r.flags)
            if flagged or (batteries and batteries[-1] < LOW_BATTERY_PCT):
                _telemetry_alerts(meter, ordered)
            elif batteries:
                battery_fine.append(pk)
        if battery_fine:
            open_alerts.filter(meter_id__in=battery_fine, kind=AlertKind.LOW_BATTERY).update(
                status=AlertStatus.RESOLVED, resolved_at=timezone.now()
            )
    return results


def _apply_readings(
    meters: dict[int, Meter], readings: dict[int, list[ReadingInput]], outcome: BatchOutcome
) -> None:
    """Apply every meter's readings in one transaction (`device_readings_ingest_many`).

    If the database keeps refusing, each meter is tried on its own, and a meter that still
    fails is dropped with an error log: registers are cumulative, so the meter's next
    reading bills the same litres.
    """
    batch = {pk: (meters[pk], items) for pk, items in readings.items()}
    try:
        results = retrying(lambda: device_readings_ingest_many(batch, source=ReadingSource.MQTT))
    except OperationalError:
        logger.warning("mqtt batch refused; applying meter by meter")
        results = {}
        for pk, one in batch.items():
            try:
                results.update(
                    retrying(
                        lambda o={pk: one}: device_readings_ingest_many(  # type: ignore[misc]
                            o, source=ReadingSource.MQTT
                        )
                    )
                )
            except OperationalError:
                logger.exception("mqtt readings dropped", extra={"meter_id": pk})
                outcome.failed_meters.append(pk)
    for result in results.values():
        outcome.accepted += result.accepted
        outcome.duplicates += result.duplicates
        before = result.balance_idr + result.charged_idr
        if result.balance_idr <= 0 or before <= 0:  # a valve command may have been queued
            outcome.commands_maybe = True


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
    try:
        verified = retrying(lambda: _verified_all(messages))
    except OperationalError:
        logger.exception("mqtt batch not verified", extra={"messages": len(messages)})
        verified = [None] * len(messages)
    for message, found in zip(messages, verified, strict=True):
        if found is None:
            outcome.rejected += 1
            continue
        meter, channel, body = found
        try:
            if channel == "readings":
                readings[meter.pk].extend(_reading_inputs(body))
                meters[meter.pk] = meter
            else:
                acks.append((meter, AckMessage.model_validate_json(body)))
        except ValidationError:
            logger.warning("mqtt message body invalid", extra={"topic": message.topic})
            outcome.rejected += 1
    if readings:
        _apply_readings(meters, readings, outcome)
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
