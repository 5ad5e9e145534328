"""Reads for the live socket: who a user hears, and what they missed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from django.db.models import Max

from core.accounts.models import User
from core.accounts.roles import STAFF_ROLES
from core.realtime.models import LiveEvent, LivePruneMark
from core.realtime.services import PLATFORM, event_payload, tenant_audience, user_audience

REPLAY_LIMIT = 500

TenantScope = Literal["all"] | int | None


@dataclass(frozen=True)
class CatchUp:
    """Events to replay (oldest first), or `resync` when they cannot all be replayed."""

    events: list[dict[str, Any]] = field(default_factory=list)
    resync: bool = False
    head: int = 0  # the newest event id anywhere: the browser's cursor from now on


def live_audiences_for(*, user: User, tenants: TenantScope) -> list[str]:
    """The user's own audience, each tenant where they hold a staff role, and the platform.

    `tenants` is "all" for a browser session, or the one tenant a token is scoped to (None:
    no tenant). Customers and motorists never hear a tenant's events.
    """
    audiences = [user_audience(user.pk)]
    staff_of = user.memberships.filter(role__in=STAFF_ROLES)
    if tenants != "all":
        staff_of = staff_of.filter(tenant_id=tenants) if tenants is not None else staff_of.none()
    tenant_ids = sorted(set(staff_of.values_list("tenant_id", flat=True)))
    audiences += [tenant_audience(t) for t in tenant_ids]
    if user.is_superuser:
        audiences.append(PLATFORM)
    return audiences


def live_catch_up_for(
    *,
    audiences: list[str],
    after: int | None = None,
    since: datetime | None = None,
    limit: int = REPLAY_LIMIT,
) -> CatchUp:
    """Events for `audiences` with an id above `after` (or created at or after `since`).

    Resync when pruning may have removed some of them or there are more than `limit`.
    """
    head = LiveEvent.objects.aggregate(top=Max("id"))["top"] or 0
    mark = LivePruneMark.objects.filter(pk=1).first()
    events = LiveEvent.objects.filter(audience__in=audiences)
    if after is not None:
        if mark is not None and after < mark.through_id:
            return CatchUp(resync=True, head=head)
        events = events.filter(id__gt=after)
    elif since is not None:
        if mark is not None and since < mark.through_at:
            return CatchUp(resync=True, head=head)
        events = events.filter(created_at__gte=since)
    else:
        return CatchUp(head=head)
    rows = list(events.filter(id__lte=head).order_by("id")[: limit + 1])
    if len(rows) > limit:
        return CatchUp(resync=True, head=head)
    return CatchUp(events=[event_payload(row) for row in rows], head=head)
