"""Request and response bodies of the valves and alerts API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from core.api.schemas import PageIn, Strict
from water.valves.models import AlertKind, AlertSeverity, AlertStatus, CommandKind, CommandStatus


class ValveRequestIn(Strict):
    action: Literal["open", "close"]
    reason: str = Field(min_length=5, max_length=200, description="Why, for the audit log")


class AlertFilters(PageIn):
    status: AlertStatus | None = None
    kind: AlertKind | None = None
    meter_id: int | None = Field(default=None, alias="meter")


class CommandOut(Schema):
    """A valve command and where it is in its lifecycle."""

    id: int
    meter_id: int
    kind: CommandKind
    status: CommandStatus
    priority: int
    reason: str
    requested_by_id: int | None
    attempts: int
    max_attempts: int
    created_at: datetime
    sent_at: datetime | None
    acknowledged_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime
    response: dict[str, Any]


class CommandPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CommandOut]


class AlertOut(Schema):
    """An alert about a meter, with who acknowledged it and when it was resolved."""

    id: int
    meter_id: int
    meter_serial: str = Field(alias="meter.serial")
    kind: AlertKind
    severity: AlertSeverity
    status: AlertStatus
    message: str
    data: dict[str, Any]
    occurrences: int
    created_at: datetime
    last_seen_at: datetime
    acknowledged_by_id: int | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None


class AlertPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AlertOut]
