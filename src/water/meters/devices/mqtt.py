"""The MQTT ingestion consumer: shared subscriptions, batched applies, command publishing.

Several consumers run side by side in one group (``$share/<group>/indowater/+/readings`` and
``…/acks`` at QoS 1); the broker gives each message to one of them. Messages are
acknowledged to the broker only after their batch committed, so a crash means redelivery,
never loss, and a redelivered reading is a harmless duplicate (unique per meter and instant,
applied under the account's row lock). Blocking database work runs in one worker thread per
consumer; the event loop only moves bytes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomqtt
from django.conf import settings
from django.db import connections
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from water.meters.devices import protocol
from water.meters.devices.mqtt_batch import (
    BatchOutcome,
    Inbound,
    mqtt_batch_apply,
    mqtt_commands_outbound,
    retrying,
)

logger = logging.getLogger("water.devices.mqtt")

DEFAULT_URL = "mqtt://127.0.0.1:1883"
BACKOFF_START = 1.0
BACKOFF_CAP = 30.0
COMMAND_INTERVAL = 1.0
SESSION_EXPIRY_SECONDS = 300
IDLE_FLUSH_SECONDS = 0.02


def mqtt_url() -> str:
    """settings.MQTT_URL, or the local broker."""
    return getattr(settings, "MQTT_URL", None) or DEFAULT_URL


@dataclass(frozen=True)
class BrokerAddress:
    """Where the broker is and how to sign in, parsed from mqtt:// or mqtts:// URLs."""

    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError(f"Not an mqtt:// or mqtts:// URL: {parts.scheme}://{parts.hostname}")
        tls = parts.scheme == "mqtts"
        return cls(
            host=parts.hostname,
            port=parts.port or (8883 if tls else 1883),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
        )

    def client(self, *, identifier: str, **kwargs: Any) -> aiomqtt.Client:
        return aiomqtt.Client(
            self.host,
            self.port,
            username=self.username,
            password=self.password,
            identifier=identifier,
            tls_context=ssl.create_default_context() if self.tls else None,
            **kwargs,
        )


def shared_topics(group: str) -> list[str]:
    """The two shared subscriptions of a consumer group."""
    root = protocol.TOPIC_ROOT
    return [f"$share/{group}/{root}/+/readings", f"$share/{group}/{root}/+/acks"]


class IngestConsumer:
    """One consumer of the group; `run()` until `request_stop()` (thread-safe) is called."""

    def __init__(
        self,
        *,
        url: str | None = None,
        group: str = "ingest",
        batch_size: int = 200,
        flush_ms: int = 500,
        command_interval: float = COMMAND_INTERVAL,
        idle_flush: float = IDLE_FLUSH_SECONDS,
    ) -> None:
        self.address = BrokerAddress.parse(url or mqtt_url())
        self.group = group
        self.batch_size = max(1, batch_size)
        self.flush_seconds = max(1, flush_ms) / 1000
        self.idle_flush = idle_flush
        self.command_interval = command_interval
        self.identifier = f"indowater-{group}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.totals = BatchOutcome()
        self.published = 0
        self.reconnects = 0
        self.subscribed = threading.Event()  # set while subscribed (tests and health checks)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._stop_requested = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mqtt-db")

    def request_stop(self) -> None:
        """Ask the consumer to flush, disconnect and return (callable from any thread)."""
        self._stop_requested = True
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)

    async def run(self) -> None:
        """Connect, consume and reconnect with exponential back-off until stopped."""
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        if self._stop_requested:
            self._stop.set()
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
        # Messages are acknowledged after their batch commits, so the broker may only have
        # this many unacknowledged at a time: two batches, one applying and one filling
        # (Mosquitto's default is 20, which capped batches at 20 messages).
        properties.ReceiveMaximum = min(65535, 2 * self.batch_size)
        client = self.address.client(
            identifier=self.identifier,
            protocol=aiomqtt.ProtocolVersion.V5,
            properties=properties,
        )
        # Acknowledge each message only after its batch committed (at-least-once).
        client._client.manual_ack_set(True)  # noqa: SLF001 (aiomqtt exposes no switch)
        delay = BACKOFF_START
        try:
            while not self._stop.is_set():
                try:
                    async with client:
                        delay = BACKOFF_START
                        logger.info("mqtt connected", extra={"client_id": self.identifier})
                        await self._session(client)
                except Exception as exc:  # a broker or database failure: start over, later
                    if self._stop.is_set():
                        break
                    self.reconnects += 1
                    logger.warning(
                        "mqtt connection lost; reconnecting in %.0f s (%s)",
                        delay,
                        exc,
                        exc_info=not isinstance(exc, aiomqtt.MqttError),
                        extra={"client_id": self.identifier, "delay_s": delay},
                    )
                    try:
                        await asyncio.wait_for(self._stop.wait(), timeout=delay)
                    except TimeoutError:
                        pass
                    delay = min(delay * 2, BACKOFF_CAP)
        finally:
            await self._in_worker(connections.close_all)
            self._executor.shutdown(wait=True)

    async def _in_worker(self, func: Any, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, func, *args)

    async def _session(self, client: aiomqtt.Client) -> None:
        loop = asyncio.get_running_loop()
        if self._stop is None:
            raise RuntimeError("The consumer's session starts from run().")
        for topic in shared_topics(self.group):
            await client.subscribe(topic, qos=1)
        self.subscribed.set()
        messages = client.messages
        buffer: list[aiomqtt.Message] = []
        flush_at: float | None = None
        next_commands = loop.time()
        stop_wait = asyncio.ensure_future(self._stop.wait())
        receive: asyncio.Future[aiomqtt.Message] | None = None
        try:
            while not self._stop.is_set():
                if receive is None:
                    receive = asyncio.ensure_future(anext(messages))
                wake = next_commands if flush_at is None else min(flush_at, next_commands)
                if buffer:  # flush once the stream pauses, without waiting for flush_at
                    wake = min(wake, loop.time() + self.idle_flush)
                waiting: set[asyncio.Future[Any]] = {receive, stop_wait}
                done, _ = await asyncio.wait(
                    waiting,
                    timeout=max(0.0, wake - loop.time()),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                idle = not done
                if receive in done:
                    message, receive = receive.result(), None
                    buffer.append(message)
                    flush_at = flush_at or loop.time() + self.flush_seconds
                full = len(buffer) >= self.batch_size
                if buffer and (full or idle or loop.time() >= (flush_at or 0)):
                    await self._flush(client, buffer)
                    buffer, flush_at = [], None
                if loop.time() >= next_commands:
                    await self._publish_commands(client)
                    next_commands = loop.time() + self.command_interval
            if buffer:
                await self._flush(client, buffer)
                buffer = []
            await self._end_session(client)
        finally:
            self.subscribed.clear()
            stop_wait.cancel()
            if receive is not None:
                receive.cancel()
            if buffer:
                # Disconnected mid-batch: store what arrived; the broker redelivers it anyway.
                await self._in_worker(mqtt_batch_apply, self._inbound(buffer))

    @staticmethod
    async def _end_session(client: aiomqtt.Client) -> None:
        """On a requested stop, with every message acknowledged, end the broker session too.

        Each run has a new client id, so nobody resumes a stopped consumer's session; left
        alive, it would keep taking its share of the group's messages until it expires.
        """
        properties = Properties(PacketTypes.DISCONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = 0
        client._client.disconnect(properties=properties)  # noqa: SLF001
        try:
            await asyncio.wait_for(asyncio.shield(client._disconnected), timeout=5)  # noqa: SLF001
        except (TimeoutError, aiomqtt.MqttError):
            pass

    @staticmethod
    def _inbound(batch: list[aiomqtt.Message]) -> list[Inbound]:
        return [Inbound(topic=m.topic.value, payload=bytes(m.payload)) for m in batch]

    async def _flush(self, client: aiomqtt.Client, batch: list[aiomqtt.Message]) -> None:
        outcome: BatchOutcome = await self._in_worker(mqtt_batch_apply, self._inbound(batch))
        for message in batch:
            if message.qos > 0:
                client._client.ack(message.mid, message.qos)  # noqa: SLF001
        self.totals.accepted += outcome.accepted
        self.totals.duplicates += outcome.duplicates
        self.totals.acks += outcome.acks
        self.totals.rejected += outcome.rejected
        logger.info(
            "mqtt batch applied",
            extra={
                "messages": len(batch),
                "accepted": outcome.accepted,
                "duplicates": outcome.duplicates,
                "acks": outcome.acks,
                "rejected": outcome.rejected,
            },
        )
        if outcome.commands_maybe:  # a close or open was queued: publish it now, not later
            await self._publish_commands(client)

    async def _publish_commands(self, client: aiomqtt.Client) -> None:
        # A command whose publish fails stays "sent" and is retried by the ack timeout.
        for item in await self._in_worker(retrying, mqtt_commands_outbound):
            await client.publish(item.topic, item.payload, qos=1, timeout=10)
            self.published += 1


def consumer_run_forever(consumer: IngestConsumer) -> None:
    """Run a consumer in this thread's own event loop, stopping on SIGINT/SIGTERM."""
    import signal

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, consumer.request_stop)
        await consumer.run()

    asyncio.run(main())
