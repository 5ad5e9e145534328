"""Publish live events to signed-in browsers: stored for catch-up, sent after commit.

Callers say who should hear an event, never which sockets exist: user ids (their own
sockets), tenant ids (that tenant's staff) and, for platform-wide operations, the platform
superadmins. Each audience gets one `LiveEvent` row in the caller's transaction; after the
commit the rows go to the channel layer (Redis in production, so a worker or ingestion
process reaches a socket held by any web process). A layer that is down costs only the push:
the rows stay, and the browser's resume on reconnect replays them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.realtime.metrics import record_live_events
from core.realtime.models import LiveEvent, LivePruneMark

logger = logging.getLogger(__name__)

RETENTION = timedelta(hours=1)
SEND_TIMEOUT_SECONDS = 5.0
BURST_LIMIT = 50  # events for one group in one commit; more become a single resync
_SEND_CHUNK = 200  # group_sends in flight at once (ingestion publishes thousands per batch)
_KIND = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
# Control messages of the socket protocol; an event may not take their names.
RESERVED_KINDS = frozenset({"ready", "resync", "pong"})
PLATFORM = "platform"
HANDLER = "live.event"  # the consumer's `live_event` method

Message = tuple[str, dict[str, Any]]  # (group, channel-layer message)


@dataclass(frozen=True)
class Event:
    """One event and who should hear it, for `publish_many`."""

    kind: str
    data: dict[str, Any]
    users: Sequence[int] = ()
    tenants: Sequence[int] = ()
    platform: bool = False


def user_audience(user_id: int) -> str:
    return f"user:{int(user_id)}"


def tenant_audience(tenant_id: int) -> str:
    return f"tenant:{int(tenant_id)}"


def group_of(audience: str) -> str:
    """The channel-layer group of an audience: "user:42" → "user.42"."""
    return audience.replace(":", ".")


def publish(
    kind: str,
    data: dict[str, Any],
    *,
    users: Iterable[int] = (),
    tenants: Iterable[int] = (),
    platform: bool = False,
) -> None:
    """Store an event for each audience now; push it to their sockets after commit."""
    publish_many([Event(kind, data, tuple(users), tuple(tenants), platform)])


def publish_many(events: Iterable[Event]) -> None:
    """Like `publish` for many events: one bulk insert and one push after commit."""
    rows: list[LiveEvent] = []
    for event in events:
        _check_kind(event.kind)
        data = _plain_json(event.data)
        audiences = [user_audience(u) for u in dict.fromkeys(event.users)]
        audiences += [tenant_audience(t) for t in dict.fromkeys(event.tenants)]
        if event.platform:
            audiences.append(PLATFORM)
        rows += [LiveEvent(audience=a, kind=event.kind, data=data) for a in audiences]
    if not rows:
        return
    # No savepoint: inside the caller's transaction a failed insert fails that transaction
    # anyway, and ingestion counts its queries per batch.
    with transaction.atomic(savepoint=False):
        created = LiveEvent.objects.bulk_create(rows, batch_size=1000)
        messages = [(group_of(row.audience), _message(row)) for row in created]
        transaction.on_commit(lambda: _after_commit(messages))


def event_payload(row: LiveEvent) -> dict[str, Any]:
    """What a browser receives for one event."""
    return {"id": row.pk, "kind": row.kind, "data": row.data, "at": row.created_at.isoformat()}


def prune_live_events(*, older_than: timedelta = RETENTION) -> int:
    """Delete events older than `older_than` and move the prune mark; returns how many went."""
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        mark, _ = LivePruneMark.objects.select_for_update().get_or_create(
            pk=1, defaults={"through_id": 0, "through_at": cutoff}
        )
        stale = LiveEvent.objects.filter(created_at__lt=cutoff)
        through = stale.aggregate(top=Max("id"))["top"] or 0
        deleted, _ = stale.filter(id__lte=through).delete()
        mark.through_id = max(mark.through_id, through)
        mark.through_at = max(mark.through_at, cutoff)
        mark.save(update_fields=["through_id", "through_at"])
    return deleted


# ---------------------------------------------------------------------------- delivery

_serving_loop: asyncio.AbstractEventLoop | None = None


def note_serving_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Remember the event loop that holds this process' sockets (called by the consumer).

    The in-memory layer keeps asyncio queues bound to that loop, so a worker thread must
    hand its sends to it rather than to a loop of its own, which would never wake the socket.
    """
    global _serving_loop
    _serving_loop = loop


def _check_kind(kind: str) -> None:
    if not _KIND.match(kind) or kind in RESERVED_KINDS:
        raise ValueError(f"Invalid live event kind: {kind!r}")


def _plain_json(data: dict[str, Any]) -> dict[str, Any]:
    """The data as JSON will give it back (Decimal and datetime become strings).

    Stored and pushed events must be identical, and msgpack (channels-redis) cannot carry
    a Decimal.
    """
    if not isinstance(data, dict):
        raise TypeError("Live event data must be a dict.")
    plain: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return plain


def _message(row: LiveEvent) -> dict[str, Any]:
    return {"type": HANDLER, "event": event_payload(row)}


def _after_commit(messages: list[Message]) -> None:
    for kind, count in _count_kinds(messages).items():
        record_live_events(kind, count)
    deliver(_bursts_as_resync(messages))


def _bursts_as_resync(messages: list[Message]) -> list[Message]:
    """One `resync` instead of more than BURST_LIMIT events for one group.

    A channel holds at most ~100 messages (the layers' default capacity) and silently drops
    the rest, so an ingestion batch touching thousands of a tenant's meters would leave its
    staff pages stale without telling them. One resync reloads them once; the rows stay for
    catch-up.
    """
    sizes: dict[str, int] = {}
    for group, _message in messages:
        sizes[group] = sizes.get(group, 0) + 1
    resync = {"type": HANDLER, "event": {"kind": "resync"}}
    kept: list[Message] = []
    resynced: set[str] = set()
    for group, message in messages:
        if sizes[group] <= BURST_LIMIT:
            kept.append((group, message))
        elif group not in resynced:
            kept.append((group, resync))
            resynced.add(group)
    return kept


def _count_kinds(messages: list[Message]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _group, message in messages:
        kind = message["event"]["kind"]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def deliver(messages: list[Message]) -> None:
    """Send to the channel layer from sync code; log, never raise, when it fails."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return
    try:
        loop = _serving_loop
        if isinstance(layer, InMemoryChannelLayer) and loop is not None and loop.is_running():
            future = asyncio.run_coroutine_threadsafe(_send_all(layer, messages), loop)
            try:
                future.result(timeout=SEND_TIMEOUT_SECONDS + 1)
            finally:
                future.cancel()
        else:
            async_to_sync(_send_all)(layer, messages)
    except Exception:
        logger.warning(
            "live events not pushed; browsers catch up on reconnect",
            extra={"count": len(messages)},
            exc_info=True,
        )


async def _send_all(layer: BaseChannelLayer, messages: list[Message]) -> None:
    """Groups in parallel, each group's messages in order (a page applies them in order)."""
    by_group: dict[str, list[dict[str, Any]]] = {}
    for group, message in messages:
        by_group.setdefault(group, []).append(message)
    groups = list(by_group.items())

    async def one_group(group: str, queue: list[dict[str, Any]]) -> None:
        for message in queue:
            await layer.group_send(group, message)

    async def send() -> None:
        for start in range(0, len(groups), _SEND_CHUNK):
            chunk = groups[start : start + _SEND_CHUNK]
            await asyncio.gather(*(one_group(group, queue) for group, queue in chunk))

    await asyncio.wait_for(send(), timeout=SEND_TIMEOUT_SECONDS)
