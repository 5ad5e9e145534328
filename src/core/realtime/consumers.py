"""The live socket at /ws/live/: events for the signed-in user, replay on resume, ping/pong.

Out: events ``{"id", "kind", "data", "at"}`` and the control messages ``{"kind": "pong"}``,
``{"kind": "resync"}`` (reload the live parts of the page) and ``{"kind": "ready", "head": N}``
(catch-up done; N is the cursor to resume from next time). In: ``{"type": "ping"}`` and
``{"type": "resume", "after": <last id>}`` or ``{"type": "resume", "since": <epoch seconds>}``
(a freshly rendered page: what happened since it was rendered).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from core.realtime.auth import BEARER, LiveIdentity, reidentify
from core.realtime.metrics import record_socket_closed, record_socket_opened
from core.realtime.selectors import live_audiences_for, live_catch_up_for
from core.realtime.services import group_of, note_serving_loop

logger = logging.getLogger(__name__)

RECHECK_SECONDS = 60.0
# A page is rendered a moment before its own commit-time events reach the database; replaying
# a few seconds more only refreshes a fragment twice, missing one would leave it stale.
SINCE_OVERLAP = timedelta(seconds=5)


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """One browser tab (or app) listening to its user's, tenants' and platform's events."""

    recheck_seconds = RECHECK_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.identity = LiveIdentity()
        self.audiences: list[str] = []
        self.counted = False
        self.watcher: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self.identity = self.scope["live_identity"]
        subprotocol = BEARER if BEARER in (self.scope.get("subprotocols") or []) else None
        if self.identity.refusal is not None:
            # Accept first: a close before accept is an HTTP 403 and the code would be lost.
            await self.accept(subprotocol)
            await self.close(code=self.identity.refusal)
            return
        note_serving_loop(asyncio.get_running_loop())
        await self._follow(self.identity)  # join before accepting: nothing slips in between
        await self.accept(subprotocol)
        record_socket_opened()
        self.counted = True
        self.watcher = asyncio.create_task(self._watch())

    async def disconnect(self, code: int) -> None:
        if self.watcher is not None:
            self.watcher.cancel()
        await self._leave_all()
        if self.counted:
            record_socket_closed()
            self.counted = False

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if text_data is None or not self.audiences:
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            return  # not JSON: ignored, like any message this protocol does not define
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "ping":
            await self.send_json({"kind": "pong"})
        elif content.get("type") == "resume":
            await self._resume(content)

    async def live_event(self, message: dict[str, Any]) -> None:
        """A published event arriving through the channel layer."""
        await self.send_json(message["event"])

    async def _resume(self, content: dict[str, Any]) -> None:
        after, since = _cursor(content)
        catch_up = await database_sync_to_async(live_catch_up_for)(
            audiences=self.audiences, after=after, since=since
        )
        for event in catch_up.events:
            await self.send_json(event)
        if catch_up.resync:
            await self.send_json({"kind": "resync"})
        await self.send_json({"kind": "ready", "head": catch_up.head})

    async def _follow(self, identity: LiveIdentity) -> None:
        """Join the groups of the identity's audiences and leave the ones it lost."""
        if identity.user is None:
            return
        audiences = await database_sync_to_async(live_audiences_for)(
            user=identity.user, tenants="all" if identity.via == "session" else identity.tenants
        )
        for audience in set(audiences) - set(self.audiences):
            await self.channel_layer.group_add(group_of(audience), self.channel_name)
        for audience in set(self.audiences) - set(audiences):
            await self.channel_layer.group_discard(group_of(audience), self.channel_name)
        self.audiences = audiences

    async def _leave_all(self) -> None:
        for audience in self.audiences:
            await self.channel_layer.group_discard(group_of(audience), self.channel_name)
        self.audiences = []

    async def _watch(self) -> None:
        """Close the socket once its session or token stops being valid; follow role changes."""
        while True:
            await asyncio.sleep(self.recheck_seconds)
            try:
                identity = await database_sync_to_async(reidentify)(self.identity)
                if identity.refusal is not None:
                    await self._leave_all()  # before closing: nothing more reaches it
                    await self.close(code=identity.refusal)
                    return
                self.identity = identity
                await self._follow(identity)
            except Exception:
                logger.warning("live socket re-check failed; trying again later", exc_info=True)


def _cursor(content: dict[str, Any]) -> tuple[int | None, datetime | None]:
    """(after, since) from a resume message; malformed values count as absent."""
    after, since = content.get("after"), content.get("since")
    if isinstance(after, int) and not isinstance(after, bool) and after >= 0:
        return after, None
    if isinstance(since, int | float) and not isinstance(since, bool) and math.isfinite(since):
        with contextlib.suppress(OverflowError, OSError, ValueError):
            return None, datetime.fromtimestamp(since, tz=UTC) - SINCE_OVERLAP
    return None, None
