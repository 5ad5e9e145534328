"""Billing API: a meter's ledger, balance and consumption; staff top-ups and adjustments.

No ``from __future__ import annotations`` here: ninja reads the handler annotations at import.
"""

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from core.accounts.models import User
from core.accounts.permissions import access
from core.accounts.roles import Role
from core.api.schemas import PageIn, page_of
from water.billing import schemas, selectors
from water.billing.models import EntryKind
from water.billing.services import account_credit
from water.errors import ValidationFailed
from water.meters.models import Meter
from water.registry.models import Client

ROUTER_PREFIX = "water/"
router = Router(tags=["water: billing"])
STAFF = {Role.SUPERADMIN, Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR}
ADMINS = {Role.SUPERADMIN, Role.CLIENT_ADMIN}
MAX_DAYS = {"daily": 366, "monthly": 3660}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _staff_meter(request: HttpRequest, tenant_id: int, meter_id: int) -> Meter:
    return selectors.meter_get_for(actor=_user(request), tenant_id=tenant_id, meter_id=meter_id)


def _consumption(meter: Meter, query: schemas.ConsumptionQuery) -> dict[str, Any]:
    tz_name = Client.objects.filter(tenant_id=meter.tenant_id).values_list("timezone", flat=True)
    today = timezone.now().astimezone(ZoneInfo(tz_name.first() or "Asia/Jakarta")).date()
    date_to = query.date_to or today
    default_span = timedelta(days=29 if query.period == "daily" else 364)
    date_from = query.date_from or (date_to - default_span)
    if date_from > date_to or (date_to - date_from).days >= MAX_DAYS[query.period]:
        raise ValidationFailed(
            f"'from' must not be after 'to', and a {query.period} range spans at most "
            f"{MAX_DAYS[query.period]} days.",
            extra={"field": "from"},
        )
    if query.period == "monthly":
        date_from = date_from.replace(day=1)
    buckets = selectors.consumption_for(
        meter=meter, period=query.period, date_from=date_from, date_to=date_to
    )
    return {
        "meter_id": meter.pk,
        "period": query.period,
        "date_from": date_from,
        "date_to": date_to,
        "total_litres": sum(b.litres for b in buckets),
        "total_charge_idr": sum(b.charge_idr for b in buckets),
        "buckets": buckets,
    }


def manual_key(tenant_id: int, given: str | None) -> str | None:
    """A staff request's idempotency key, scoped to the tenant."""
    return f"manual:{tenant_id}:{given}" if given else None


@router.get(
    "/tenants/{tenant_id}/meters/{meter_id}/ledger",
    response=schemas.EntryPage,
    summary="A meter's ledger entries, newest first",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def ledger_list(
    request: HttpRequest, tenant_id: int, meter_id: int, page: Query[PageIn]
) -> dict[str, Any]:
    meter = _staff_meter(request, tenant_id, meter_id)
    return page_of(selectors.ledger_list_for(meter=meter), page)


@router.get(
    "/tenants/{tenant_id}/meters/{meter_id}/consumption",
    response=schemas.ConsumptionOut,
    summary="Litres and charges per local day or month",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def consumption_get(
    request: HttpRequest, tenant_id: int, meter_id: int, query: Query[schemas.ConsumptionQuery]
) -> dict[str, Any]:
    return _consumption(_staff_meter(request, tenant_id, meter_id), query)


@router.get(
    "/tenants/{tenant_id}/meters/{meter_id}/balance",
    response=schemas.BalanceOut,
    summary="A meter's prepaid balance and month to date",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def balance_get(request: HttpRequest, tenant_id: int, meter_id: int) -> selectors.Balance:
    return selectors.balance_for(meter=_staff_meter(request, tenant_id, meter_id))


@router.post(
    "/tenants/{tenant_id}/meters/{meter_id}/adjustments",
    response={201: schemas.EntryOut},
    summary="Correct a balance up or down (client admin only, audited)",
)
@access(roles=ADMINS, tenant_kwarg="tenant_id")
def adjustment_create(
    request: HttpRequest, tenant_id: int, meter_id: int, payload: schemas.AdjustmentIn
) -> Status[Any]:
    entry = account_credit(
        meter=_staff_meter(request, tenant_id, meter_id),
        amount_idr=payload.amount_idr,
        kind=EntryKind.ADJUSTMENT,
        idempotency_key=manual_key(tenant_id, payload.idempotency_key),
        actor=_user(request),
        memo=payload.reason,
    )
    return Status(201, entry)


@router.get(
    "/me/meters/{meter_id}/ledger",
    response=schemas.EntryPage,
    summary="The ledger of one of my meters, newest first",
)
@access(roles={Role.CUSTOMER})
def my_ledger_list(request: HttpRequest, meter_id: int, page: Query[PageIn]) -> dict[str, Any]:
    meter = selectors.customer_meter_get_for(actor=_user(request), meter_id=meter_id)
    return page_of(selectors.ledger_list_for(meter=meter), page)


@router.get(
    "/me/meters/{meter_id}/consumption",
    response=schemas.ConsumptionOut,
    summary="My meter's litres and charges per local day or month",
)
@access(roles={Role.CUSTOMER})
def my_consumption_get(
    request: HttpRequest, meter_id: int, query: Query[schemas.ConsumptionQuery]
) -> dict[str, Any]:
    meter = selectors.customer_meter_get_for(actor=_user(request), meter_id=meter_id)
    return _consumption(meter, query)
