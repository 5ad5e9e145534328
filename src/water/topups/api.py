"""Top-up API: a customer's options and payments for their meters; a tenant's top-ups.

No ``from __future__ import annotations`` here: ninja reads the handler annotations at import.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from core.accounts.models import User
from core.accounts.permissions import access
from core.accounts.roles import Role
from core.api.schemas import PageIn, page_of
from core.payments.selectors import payment_list_for_tenant
from water.billing import schemas as billing_schemas
from water.billing.api import manual_key
from water.billing.models import LedgerEntry
from water.billing.selectors import customer_meter_get_for, meter_get_for
from water.topups import schemas, selectors, services
from water.topups.purpose import credit_key

ROUTER_PREFIX = "water/"
router = Router(tags=["water: top-ups"])
STAFF = {Role.SUPERADMIN, Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.get(
    "/me/meters/{meter_id}/topup-options",
    response=schemas.TopupOptionsOut,
    summary="Amounts and payment methods (with fees) for topping up one of my meters",
)
@access(roles={Role.CUSTOMER})
def my_topup_options(request: HttpRequest, meter_id: int) -> services.TopupOptions:
    meter = customer_meter_get_for(actor=_user(request), meter_id=meter_id)
    return services.topup_options_for(actor=_user(request), meter=meter)


@router.post(
    "/me/meters/{meter_id}/topups",
    response={201: schemas.PaymentOut},
    summary="Start paying a top-up of one of my meters; the payer pays amount + fee",
)
@access(roles={Role.CUSTOMER})
def my_topup_create(request: HttpRequest, meter_id: int, payload: schemas.TopupIn) -> Status[Any]:
    meter = customer_meter_get_for(actor=_user(request), meter_id=meter_id)
    payment = services.topup_start(
        actor=_user(request),
        meter=meter,
        amount_idr=payload.amount_idr,
        gateway=payload.gateway,
        method=payload.method,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, schemas.payment_out(payment))


@router.get("/me/payments", response=schemas.PaymentPage, summary="My top-ups, newest first")
@access(roles={Role.CUSTOMER})
def my_payment_list(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    rows = selectors.topup_list_mine(actor=_user(request))
    return page_of(rows, page, item=schemas.payment_out)


@router.get(
    "/tenants/{tenant_id}/payments",
    response=schemas.PaymentPage,
    summary="The water authority's top-ups, newest first, by state, gateway and time",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def payment_list(
    request: HttpRequest,
    tenant_id: int,
    page: Query[PageIn],
    filters: Query[schemas.PaymentsQuery],
) -> dict[str, Any]:
    rows = payment_list_for_tenant(
        tenant_id=tenant_id,
        state=filters.state,
        gateway=filters.gateway,
        date_from=filters.date_from,
        date_to=filters.date_to,
    ).filter(purpose=selectors.PURPOSE)
    return page_of(rows, page, item=schemas.payment_out)


@router.post(
    "/tenants/{tenant_id}/meters/{meter_id}/topups",
    response={201: billing_schemas.EntryOut},
    summary="Record a manual (cash) top-up, at least Rp 10,000 (audited)",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def cash_topup_create(
    request: HttpRequest, tenant_id: int, meter_id: int, payload: billing_schemas.TopupIn
) -> Status[Any]:
    # Cash is a payment like any other (receipt, reconciliation); its ledger entry is the answer.
    payment = services.cash_topup_record(
        actor=_user(request),
        meter=meter_get_for(actor=_user(request), tenant_id=tenant_id, meter_id=meter_id),
        amount_idr=payload.amount_idr,
        reason=payload.reason,
        idempotency_key=manual_key(tenant_id, payload.idempotency_key),
    )
    return Status(201, LedgerEntry.objects.get(idempotency_key=credit_key(payment)))
