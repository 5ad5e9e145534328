"""Reads of valve commands and alerts, through the acting user and the tenant in scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from core.errors import NotFound
from water.meters.models import Meter
from water.meters.selectors import tenant_scope_check
from water.valves.models import Alert, ValveCommand

if TYPE_CHECKING:
    from core.accounts.models import User


def command_list_for(*, actor: User, tenant_id: int, meter_id: int) -> QuerySet[ValveCommand]:
    """A meter's valve commands, newest first; another tenant's meter answers 404."""
    tenant_scope_check(actor=actor, tenant_id=tenant_id)
    if not Meter.objects.filter(pk=meter_id, tenant_id=tenant_id).exists():
        raise NotFound("Meter not found.")
    return ValveCommand.objects.filter(tenant_id=tenant_id, meter_id=meter_id).order_by(
        "-created_at", "-pk"
    )


@dataclass(frozen=True)
class AlertQuery:
    """Filters of the alert list; None means "any"."""

    status: str | None = None
    kind: str | None = None
    meter_id: int | None = None


def alert_list_for(*, actor: User, tenant_id: int, query: AlertQuery) -> QuerySet[Alert]:
    """The tenant's alerts matching `query`, newest first, with their meter joined."""
    tenant_scope_check(actor=actor, tenant_id=tenant_id)
    alerts = Alert.objects.filter(tenant_id=tenant_id)
    if query.status:
        alerts = alerts.filter(status=query.status)
    if query.kind:
        alerts = alerts.filter(kind=query.kind)
    if query.meter_id is not None:
        alerts = alerts.filter(meter_id=query.meter_id)
    return alerts.select_related("meter").order_by("-created_at", "-pk")


def alert_get_for(*, actor: User, tenant_id: int, alert_id: int) -> Alert:
    """One alert of the tenant; another tenant's alert answers exactly like a missing one."""
    tenant_scope_check(actor=actor, tenant_id=tenant_id)
    alert = Alert.objects.select_related("meter").filter(pk=alert_id, tenant_id=tenant_id).first()
    if alert is None:
        raise NotFound("Alert not found.")
    return alert
