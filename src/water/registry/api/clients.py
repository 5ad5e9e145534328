"""Clients (water authorities), their settings and friendly-credit holidays."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from core.accounts.permissions import access
from core.accounts.roles import Role
from core.api.schemas import Page, PageIn, page_of
from water.registry import schemas, selectors
from water.registry.api._common import actor, changes_of
from water.registry.models import Client, ClientHoliday
from water.registry.services import clients as services

router = Router(tags=["water: clients"])
READERS = {Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR, Role.SUPERADMIN}
ADMINS = {Role.CLIENT_ADMIN, Role.SUPERADMIN}


@router.get("/clients", response=Page[schemas.ClientOut], summary="Every water authority")
@access(roles={Role.SUPERADMIN})
def clients_list(
    request: HttpRequest,
    page: Query[PageIn],
) -> dict[str, Any]:
    clients = selectors.client_list_for(actor=actor(request))
    return page_of(clients, page)


@router.post(
    "/clients",
    response={201: schemas.ClientOut},
    summary="Create a water authority: its tenant and client profile",
)
@access(roles={Role.SUPERADMIN})
def clients_create(request: HttpRequest, payload: schemas.ClientCreateIn) -> Status[Any]:
    client = services.client_create(actor=actor(request), **payload.model_dump())
    return Status(201, client)


@router.get(
    "/tenants/{tenant_id}/client", response=schemas.ClientOut, summary="The client's profile"
)
@access(roles=READERS, tenant_kwarg="tenant_id")
def client_get(request: HttpRequest, tenant_id: int) -> Client:
    return selectors.client_get_for(actor=actor(request), tenant_id=tenant_id)


@router.patch(
    "/tenants/{tenant_id}/client",
    response=schemas.ClientOut,
    summary="Change the client's contacts and settings (identity and fees: superadmin)",
)
@access(roles=ADMINS, tenant_kwarg="tenant_id")
def client_update(request: HttpRequest, tenant_id: int, payload: schemas.ClientUpdateIn) -> Client:
    return services.client_update(
        actor=actor(request), tenant_id=tenant_id, changes=changes_of(payload)
    )


@router.post(
    "/tenants/{tenant_id}/client/status",
    response=schemas.ClientOut,
    summary="Suspend or reactivate a client (its tenant follows)",
)
@access(roles={Role.SUPERADMIN})
def client_status(request: HttpRequest, tenant_id: int, payload: schemas.ClientStatusIn) -> Client:
    return services.client_status_set(
        actor=actor(request), tenant_id=tenant_id, status=payload.status, reason=payload.reason
    )


@router.get(
    "/tenants/{tenant_id}/holidays",
    response=Page[schemas.HolidayOut],
    summary="Days without disconnection (friendly credit)",
)
@access(roles=READERS, tenant_kwarg="tenant_id")
def holidays_list(
    request: HttpRequest,
    tenant_id: int,
    page: Query[PageIn],
) -> dict[str, Any]:
    holidays = selectors.holiday_list_for(actor=actor(request), tenant_id=tenant_id)
    return page_of(holidays, page)


@router.post(
    "/tenants/{tenant_id}/holidays",
    response={201: schemas.HolidayOut},
    summary="Add a day without disconnection",
)
@access(roles=ADMINS, tenant_kwarg="tenant_id")
def holidays_add(request: HttpRequest, tenant_id: int, payload: schemas.HolidayIn) -> Status[Any]:
    holiday: ClientHoliday = services.holiday_add(
        actor=actor(request), tenant_id=tenant_id, date=payload.date, name=payload.name
    )
    return Status(201, holiday)


@router.delete(
    "/tenants/{tenant_id}/holidays/{holiday_id}",
    response={204: None},
    summary="Remove a day without disconnection",
)
@access(roles=ADMINS, tenant_kwarg="tenant_id")
def holidays_delete(request: HttpRequest, tenant_id: int, holiday_id: int) -> Status[Any]:
    services.holiday_delete(actor=actor(request), tenant_id=tenant_id, holiday_id=holiday_id)
    return Status(204, None)
