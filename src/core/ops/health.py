"""Readiness checks: the database, the cache and the MQTT broker each answer, within a deadline.

Each check runs in its own short-lived thread so a dependency that hangs cannot hold the
request (or the one thread Django runs sync views on under ASGI) past `READINESS_TIMEOUT`.
The public answer names only the exception class (or our own CheckFailed text); the details
go to the log, which carries the request id.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, field
from urllib.parse import unquote, urlsplit

import structlog
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.db import DEFAULT_DB_ALIAS, connections
from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.reasoncodes import ReasonCode

READINESS_TIMEOUT = 3.0
BROKER_TIMEOUT = 2.0
OK = "ok"
EMBEDDED = "embedded"

logger = structlog.get_logger(__name__)


class CheckFailed(Exception):
    """A dependency answered, but not with what a healthy one answers."""


@dataclass(frozen=True)
class Readiness:
    """Per-check results ("ok", "embedded" or "error: <kind>") and the overall verdict.

    `details` carries what a check measured besides its verdict (the queue's depth).
    """

    checks: dict[str, str]
    details: dict[str, dict[str, object]] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(not result.startswith("error") for result in self.checks.values())


def check_database(alias: str = DEFAULT_DB_ALIAS) -> str:
    """Run SELECT 1 on a connection of this thread, then close it."""
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            row = cursor.fetchone()
    finally:
        connection.close()
    if row is None or row[0] != 1:
        raise CheckFailed(f"SELECT 1 returned {row!r}")
    return OK


def check_cache(alias: str = DEFAULT_CACHE_ALIAS) -> str:
    """Set, read back and delete a key nobody else uses."""
    cache = caches[alias]
    key = f"ops:readyz:{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    try:
        cache.set(key, value, timeout=30)
        read = cache.get(key)
        cache.delete(key)
    finally:
        cache.close()
    if read != value:
        raise CheckFailed("cache did not return the value just written")
    return OK


def mqtt_ping(url: str, *, timeout: float = BROKER_TIMEOUT) -> None:
    """Open an MQTT session with the broker at `url` (mqtt:// or mqtts://) and close it.

    Raises when the TCP connection fails, the broker refuses the CONNECT (bad credentials)
    or no CONNACK arrives within `timeout` seconds.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"mqtt", "mqtts", "tcp", "ssl"}:
        raise CheckFailed(f"unsupported broker URL scheme {parts.scheme!r}")
    tls = parts.scheme in {"mqtts", "ssl"}
    client = Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=f"readyz-{uuid.uuid4().hex[:16]}",
        protocol=MQTTProtocolVersion.MQTTv311,
    )
    client.connect_timeout = timeout
    if parts.username:
        password = unquote(parts.password) if parts.password is not None else None
        client.username_pw_set(unquote(parts.username), password)
    if tls:
        client.tls_set()
    acks: list[ReasonCode] = []
    client.on_connect = lambda _c, _u, _f, reason, _p: acks.append(reason)
    client.connect(parts.hostname or "127.0.0.1", parts.port or (8883 if tls else 1883), 10)
    try:
        deadline = time.monotonic() + timeout
        while not acks and time.monotonic() < deadline:
            status = client.loop(timeout=0.05)
            # A refused CONNACK reaches on_connect first and then fails the loop.
            if status != MQTTErrorCode.MQTT_ERR_SUCCESS and not acks:
                raise CheckFailed(f"connection lost before CONNACK: {status.name}")
        if not acks:
            raise CheckFailed(f"no CONNACK within {timeout:g}s")
        if acks[0].is_failure:
            raise CheckFailed(f"broker refused the connection: {acks[0]}")
        client.disconnect()
        client.loop(timeout=0.05)
    finally:
        sock = client.socket()
        if sock is not None:
            sock.close()


def check_broker() -> str:
    """Ping the broker at MQTT_URL; without one the platform runs its embedded ingestion."""
    url = settings.MQTT_URL
    if not url:
        return EMBEDDED
    mqtt_ping(url, timeout=BROKER_TIMEOUT)
    return OK


def check_queue() -> tuple[str, dict[str, object]]:
    """Ask the task queue's storage for its depth; also say when a scheduler last ran."""
    from core.tasks.services import queue_state

    try:
        state = queue_state()
    finally:
        connections.close_all()
    verdict = EMBEDDED if state.backend in {"sqlite", "inline"} else OK
    return verdict, asdict(state)


CHECKS: dict[str, Callable[[], str | tuple[str, dict[str, object]]]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "queue": check_queue,
}


def readiness(*, timeout: float = READINESS_TIMEOUT) -> Readiness:
    """Run every check concurrently; a check still running at the deadline counts as failed."""
    executor = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="readyz")
    futures = {name: executor.submit(check) for name, check in CHECKS.items()}
    deadline = time.monotonic() + timeout
    results: dict[str, str] = {}
    details: dict[str, dict[str, object]] = {}
    try:
        for name, future in futures.items():
            try:
                outcome = future.result(timeout=max(0.0, deadline - time.monotonic()))
                if isinstance(outcome, tuple):
                    results[name], details[name] = outcome
                else:
                    results[name] = outcome
            except FutureTimeout:
                logger.warning("readiness_check_timeout", check=name, timeout=timeout)
                results[name] = "error: timeout"
            except CheckFailed as exc:
                logger.warning("readiness_check_failed", check=name, error=str(exc))
                results[name] = f"error: {exc}"
            except Exception as exc:
                # The exception text may name hosts or users: only its kind is public.
                logger.warning("readiness_check_failed", check=name, error=repr(exc))
                results[name] = f"error: {type(exc).__name__}"
    finally:
        # Never wait for a hung check: its thread ends on its own socket timeout.
        executor.shutdown(wait=False, cancel_futures=True)
    return Readiness(checks=results, details=details)
