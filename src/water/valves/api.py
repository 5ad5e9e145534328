"""Valves and alerts API: operators open or close valves, follow commands, handle alerts.

No ``from __future__ import annotations`` here: ninja reads the handler annotations at import.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from core.accounts.models import User
from core.accounts.permissions import access
from core.accounts.roles import Role
from core.api.schemas import PageIn, page_of
from water.meters import services as meter_services
from water.valves import schemas, selectors, services
from water.valves.models import Alert, ValveCommand

ROUTER_PREFIX = "water/"
router = Router(tags=["water: valves and alerts"])
STAFF = {Role.SUPERADMIN, Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.post(
    "/tenants/{tenant_id}/meters/{meter_id}/valve",
    response={202: schemas.CommandOut},
    summary="Open or close a meter's valve (a high-priority command, audited)",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def valve_request(
    request: HttpRequest, tenant_id: int, meter_id: int, payload: schemas.ValveRequestIn
) -> Status[Any]:
    """The command is queued for delivery; a pending command of the same kind is reused."""
    command = meter_services.valve_request(
        actor=_user(request),
        tenant_id=tenant_id,
        meter_id=meter_id,
        action=payload.action,
        reason=payload.reason,
    )
    return Status(202, command)


@router.get(
    "/tenants/{tenant_id}/meters/{meter_id}/commands",
    response=schemas.CommandPage,
    summary="A meter's valve commands with their lifecycle, newest first",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def commands_list(
    request: HttpRequest, tenant_id: int, meter_id: int, page: Query[PageIn]
) -> dict[str, Any]:
    commands = selectors.command_list_for(
        actor=_user(request), tenant_id=tenant_id, meter_id=meter_id
    )
    return page_of(commands, page)


@router.post(
    "/tenants/{tenant_id}/commands/{command_id}/cancel",
    response=schemas.CommandOut,
    summary="Cancel a command that is still pending or sent",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def command_cancel(request: HttpRequest, tenant_id: int, command_id: int) -> ValveCommand:
    return services.valve_command_cancel(
        actor=_user(request), tenant_id=tenant_id, command_id=command_id
    )


@router.get(
    "/tenants/{tenant_id}/alerts",
    response=schemas.AlertPage,
    summary="Alerts of the water authority, newest first (filter by status, kind, meter)",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def alerts_list(
    request: HttpRequest, tenant_id: int, filters: Query[schemas.AlertFilters]
) -> dict[str, Any]:
    alerts = selectors.alert_list_for(
        actor=_user(request),
        tenant_id=tenant_id,
        query=selectors.AlertQuery(
            status=filters.status, kind=filters.kind, meter_id=filters.meter_id
        ),
    )
    return page_of(alerts, filters)


@router.post(
    "/tenants/{tenant_id}/alerts/{alert_id}/acknowledge",
    response=schemas.AlertOut,
    summary="Acknowledge an open alert",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def alert_acknowledge(request: HttpRequest, tenant_id: int, alert_id: int) -> Alert:
    actor = _user(request)
    services.alert_acknowledge(actor=actor, tenant_id=tenant_id, alert_id=alert_id)
    return selectors.alert_get_for(actor=actor, tenant_id=tenant_id, alert_id=alert_id)


@router.post(
    "/tenants/{tenant_id}/alerts/{alert_id}/resolve",
    response=schemas.AlertOut,
    summary="Resolve an open or acknowledged alert",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def alert_resolve(request: HttpRequest, tenant_id: int, alert_id: int) -> Alert:
    actor = _user(request)
    services.alert_resolve(actor=actor, tenant_id=tenant_id, alert_id=alert_id)
    return selectors.alert_get_for(actor=actor, tenant_id=tenant_id, alert_id=alert_id)
