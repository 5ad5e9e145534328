"""Meters API: staff manage a water authority's meters; customers read their own.

No ``from __future__ import annotations`` here: ninja reads the handler annotations at import.
"""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from core.accounts.models import User
from core.accounts.permissions import access
from core.accounts.roles import Role
from core.api.schemas import PageIn, page_of
from water.meters import schemas, selectors, services
from water.meters.devices.http_api import router as device_router
from water.meters.models import Meter

ROUTER_PREFIX = "water/"
router = Router(tags=["water: meters"])
# Device-facing routes (provisioning, readings, command poll and ack) live beside the meters.
router.add_router("", device_router)
STAFF = {Role.SUPERADMIN, Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _balance(meter: Meter) -> int | None:
    account = getattr(meter, "account", None)
    return None if account is None else account.balance_idr


def meter_out(meter: Meter) -> dict[str, Any]:
    """The list representation of a meter whose property, customer and account are joined."""
    return {
        "id": meter.pk,
        "tenant_id": meter.tenant_id,
        "serial": meter.serial,
        "model": meter.model,
        "firmware": meter.firmware,
        "status": meter.status,
        "valve_state": meter.valve_state,
        "property": meter.property,
        "customer": meter.customer,
        "install_date": meter.install_date,
        "balance_idr": _balance(meter),
        "last_register_litres": meter.last_register_litres,
        "last_reading_at": meter.last_reading_at,
        "last_seen_at": meter.last_seen_at,
        "replaces_id": meter.replaces_id,
    }


def _detail(request: HttpRequest, tenant_id: int, meter_id: int) -> dict[str, Any]:
    meter = selectors.meter_get_for(actor=_user(request), tenant_id=tenant_id, meter_id=meter_id)
    replaced_by = getattr(meter, "replaced_by", None)
    return {
        **meter_out(meter),
        "battery_pct": meter.battery_pct,
        "signal_dbm": meter.signal_dbm,
        "pending_commands": meter.pending_commands,  # type: ignore[attr-defined]
        "open_alerts": meter.open_alerts,  # type: ignore[attr-defined]
        "replaced_by_id": None if replaced_by is None else replaced_by.pk,
        "created_at": meter.created_at,
    }


@router.get(
    "/tenants/{tenant_id}/meters",
    response=schemas.MeterPage,
    summary="List meters (filter by status, valve state, property, customer, serial prefix)",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def meters_list(
    request: HttpRequest, tenant_id: int, filters: Query[schemas.MeterFilters]
) -> dict[str, Any]:
    meters = selectors.meter_list_for(
        actor=_user(request),
        tenant_id=tenant_id,
        query=selectors.MeterQuery(
            status=filters.status,
            valve_state=filters.valve_state,
            property_id=filters.property_id,
            customer_id=filters.customer_id,
            serial_prefix=filters.q,
        ),
    )
    return page_of(meters, filters, item=meter_out)


@router.post(
    "/tenants/{tenant_id}/meters",
    response={201: schemas.MeterDetailOut},
    summary="Register a meter at a property (serial unique: 409)",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def meters_register(
    request: HttpRequest, tenant_id: int, payload: schemas.MeterRegisterIn
) -> Status[Any]:
    meter = services.meter_register(
        actor=_user(request), tenant_id=tenant_id, **payload.model_dump()
    )
    return Status(201, _detail(request, tenant_id, meter.pk))


@router.get(
    "/tenants/{tenant_id}/meters/{meter_id}",
    response=schemas.MeterDetailOut,
    summary="A meter with its balance, last reading, valve, pending commands and open alerts",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def meters_detail(request: HttpRequest, tenant_id: int, meter_id: int) -> dict[str, Any]:
    return _detail(request, tenant_id, meter_id)


@router.get(
    "/tenants/{tenant_id}/meters/{meter_id}/status",
    response=schemas.MeterStatusOut,
    summary="Online (heard from in the last 30 minutes), battery, signal and valve",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def meters_status(request: HttpRequest, tenant_id: int, meter_id: int) -> dict[str, Any]:
    meter = selectors.meter_get_for(actor=_user(request), tenant_id=tenant_id, meter_id=meter_id)
    return {
        "id": meter.pk,
        "serial": meter.serial,
        "online": selectors.meter_is_online(meter=meter, now=timezone.now()),
        "last_seen_at": meter.last_seen_at,
        "battery_pct": meter.battery_pct,
        "signal_dbm": meter.signal_dbm,
        "valve_state": meter.valve_state,
        "status": meter.status,
    }


@router.put(
    "/tenants/{tenant_id}/meters/{meter_id}/customer",
    response=schemas.MeterDetailOut,
    summary="Assign the meter to a customer of the same water authority",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def meters_assign(
    request: HttpRequest, tenant_id: int, meter_id: int, payload: schemas.CustomerAssignIn
) -> dict[str, Any]:
    services.meter_assign_customer(
        actor=_user(request),
        tenant_id=tenant_id,
        meter_id=meter_id,
        customer_id=payload.customer_id,
    )
    return _detail(request, tenant_id, meter_id)


@router.delete(
    "/tenants/{tenant_id}/meters/{meter_id}/customer",
    response=schemas.MeterDetailOut,
    summary="Detach the meter from its customer",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def meters_unassign(request: HttpRequest, tenant_id: int, meter_id: int) -> dict[str, Any]:
    services.meter_unassign_customer(actor=_user(request), tenant_id=tenant_id, meter_id=meter_id)
    return _detail(request, tenant_id, meter_id)


@router.post(
    "/tenants/{tenant_id}/meters/{meter_id}/replace",
    response={201: schemas.MeterDetailOut},
    summary="Replace the meter: retire it and register the new device in its place",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def meters_replace(
    request: HttpRequest, tenant_id: int, meter_id: int, payload: schemas.MeterReplaceIn
) -> Status[Any]:
    new = services.meter_replace(
        actor=_user(request),
        tenant_id=tenant_id,
        meter_id=meter_id,
        new_serial=payload.new_serial,
        final_register_litres=payload.final_register_litres,
        model=payload.model,
    )
    return Status(201, _detail(request, tenant_id, new.pk))


@router.post(
    "/tenants/{tenant_id}/meters/{meter_id}/retire",
    response=schemas.MeterDetailOut,
    summary="Retire the meter (refused while valve commands are pending)",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def meters_retire(request: HttpRequest, tenant_id: int, meter_id: int) -> dict[str, Any]:
    services.meter_retire(actor=_user(request), tenant_id=tenant_id, meter_id=meter_id)
    return _detail(request, tenant_id, meter_id)


def _my_meter(m: Meter) -> dict[str, Any]:
    """A customer's view of one of their meters."""
    return {
        "id": m.pk,
        "serial": m.serial,
        "tenant_id": m.tenant_id,
        "tenant_name": m.tenant.name,
        "property": m.property,
        "status": m.status,
        "valve_state": m.valve_state,
        "balance_idr": _balance(m),
        "last_register_litres": m.last_register_litres,
        "last_reading_at": m.last_reading_at,
    }


@router.get(
    "/me/meters",
    response=schemas.MyMeterPage,
    summary="The caller's own meters in every water authority, with balance and valve",
)
@access(roles={Role.CUSTOMER})
def my_meters(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    meters = selectors.meter_list_of_customer(actor=_user(request))
    return page_of(meters, page, item=_my_meter)
