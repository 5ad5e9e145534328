"""Payments API: the payer's payments, tenant lists, refunds, statistics, reconciliation and
gateway accounts.

No ``from __future__ import annotations`` here: ninja reads the handler annotations at import.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from core.accounts.models import User
from core.accounts.permissions import access
from core.accounts.roles import Role
from core.api.schemas import Page, PageIn, page_of
from core.errors import NotFound
from core.payments import schemas, selectors
from core.payments.models import Payment
from core.payments.services import reconciliation_report, refund_create
from core.payments.services.apply import payment_check
from core.payments.services.credentials import (
    credential_delete,
    credential_list_for,
    credential_set,
)

router = Router(tags=["payments"])
TENANT_STAFF = {
    Role.SUPERADMIN,
    Role.CLIENT_ADMIN,
    Role.CLIENT_OPERATOR,
    Role.ROADSIDE_ADMIN,
    Role.DISPATCHER,
}
TENANT_ADMINS = {Role.SUPERADMIN, Role.CLIENT_ADMIN, Role.ROADSIDE_ADMIN}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _tenant_payment(tenant_id: int, reference: str, actor: User) -> Payment:
    payment = selectors.payment_get_for(actor=actor, reference=reference)
    if payment.tenant_id != tenant_id:
        raise NotFound("Payment not found.")
    return payment


@router.get("/payments", response=Page[schemas.PaymentOut], summary="My payments, newest first")
@access(authenticated=True)
def my_payment_list(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    return page_of(selectors.payment_list_mine(actor=_user(request)), page)


@router.get(
    "/payments/{reference}",
    response=schemas.PaymentDetailOut,
    summary="One payment with its transitions and refunds (payer or the tenant's staff)",
)
@access(authenticated=True)
def payment_get(request: HttpRequest, reference: str) -> Payment:
    return selectors.payment_get_for(actor=_user(request), reference=reference)


@router.post(
    "/payments/{reference}/check",
    response=schemas.PaymentOut,
    summary="Ask the gateway for an open payment's status now",
)
@access(authenticated=True)
def payment_check_now(request: HttpRequest, reference: str) -> Payment:
    payment = selectors.payment_get_for(actor=_user(request), reference=reference)
    payment_check(payment)
    payment.refresh_from_db()
    return payment


@router.get(
    "/tenants/{tenant_id}/payments",
    response=Page[schemas.PaymentOut],
    summary="An organisation's payments, with filters",
)
@access(roles=TENANT_STAFF, tenant_kwarg="tenant_id")
def tenant_payment_list(
    request: HttpRequest,
    tenant_id: int,
    page: Query[PageIn],
    filters: Query[schemas.PaymentFilter],
) -> dict[str, Any]:
    rows = selectors.payment_list_for_tenant(
        tenant_id=tenant_id,
        state=filters.state,
        gateway=filters.gateway,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    return page_of(rows, page)


@router.post(
    "/tenants/{tenant_id}/payments/{reference}/refunds",
    response={201: schemas.RefundOut},
    summary="Refund all or part of a paid payment (audited)",
)
@access(roles=TENANT_ADMINS, tenant_kwarg="tenant_id")
def refund_post(
    request: HttpRequest, tenant_id: int, reference: str, payload: schemas.RefundIn
) -> Status[Any]:
    payment = _tenant_payment(tenant_id, reference, _user(request))
    refund = refund_create(
        payment=payment,
        amount_minor=payload.amount_minor,
        reason=payload.reason,
        actor=_user(request),
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, refund)


@router.get(
    "/tenants/{tenant_id}/payment-stats",
    response=list[schemas.GatewayStatsOut],
    summary="Payments by gateway and state, success rate, median time to settle",
)
@access(roles=TENANT_STAFF, tenant_kwarg="tenant_id")
def tenant_stats(request: HttpRequest, tenant_id: int, query: Query[schemas.RangeIn]) -> list[Any]:
    return selectors.payment_stats_for(
        date_from=query.date_from, date_to=query.date_to, tenant_id=tenant_id
    )


@router.get(
    "/tenants/{tenant_id}/payment-reconciliation",
    response=list[schemas.MismatchOut],
    summary="Every mismatch between gateway, payment and ledger in a date range",
)
@access(roles=TENANT_ADMINS, tenant_kwarg="tenant_id")
def tenant_reconciliation(
    request: HttpRequest, tenant_id: int, query: Query[schemas.ReconcileIn]
) -> list[Any]:
    return reconciliation_report(
        date_from=query.date_from,
        date_to=query.date_to,
        tenant_id=tenant_id,
        ask_gateway=query.ask_gateway,
    )


@router.get(
    "/payment-reconciliation",
    response=list[schemas.MismatchOut],
    summary="Platform-wide reconciliation (superadmin)",
)
@access(roles={Role.SUPERADMIN})
def platform_reconciliation(request: HttpRequest, query: Query[schemas.ReconcileIn]) -> list[Any]:
    return reconciliation_report(
        date_from=query.date_from, date_to=query.date_to, ask_gateway=query.ask_gateway
    )


@router.get(
    "/payment-stats",
    response=list[schemas.GatewayStatsOut],
    summary="Platform-wide payment statistics (superadmin)",
)
@access(roles={Role.SUPERADMIN})
def platform_stats(request: HttpRequest, query: Query[schemas.RangeIn]) -> list[Any]:
    return selectors.payment_stats_for(date_from=query.date_from, date_to=query.date_to)


@router.get(
    "/tenants/{tenant_id}/payment-gateways",
    response=list[schemas.CredentialOut],
    summary="The organisation's gateway accounts (secrets are never shown)",
)
@access(roles=TENANT_ADMINS, tenant_kwarg="tenant_id")
def tenant_credentials(request: HttpRequest, tenant_id: int) -> list[Any]:
    return credential_list_for(tenant_id=tenant_id)


@router.put(
    "/tenants/{tenant_id}/payment-gateways/{gateway}",
    response=schemas.CredentialOut,
    summary="Set the organisation's account at a gateway (audited, sealed at rest)",
)
@access(roles=TENANT_ADMINS, tenant_kwarg="tenant_id")
def tenant_credential_put(
    request: HttpRequest, tenant_id: int, gateway: str, payload: schemas.CredentialIn
) -> Any:
    return credential_set(
        actor=_user(request),
        tenant_id=tenant_id,
        gateway=gateway,
        production=payload.production,
        enabled=payload.enabled,
        secrets=payload.secrets,
    )


@router.delete(
    "/tenants/{tenant_id}/payment-gateways/{gateway}",
    response={204: None},
    summary="Remove the organisation's account (the platform's is used, if any)",
)
@access(roles=TENANT_ADMINS, tenant_kwarg="tenant_id")
def tenant_credential_delete(request: HttpRequest, tenant_id: int, gateway: str) -> Status[None]:
    credential_delete(actor=_user(request), tenant_id=tenant_id, gateway=gateway)
    return Status(204, None)


@router.get(
    "/payment-gateways",
    response=list[schemas.CredentialOut],
    summary="The platform's fallback gateway accounts (superadmin)",
)
@access(roles={Role.SUPERADMIN})
def platform_credentials(request: HttpRequest) -> list[Any]:
    return credential_list_for(tenant_id=None)


@router.put(
    "/payment-gateways/{gateway}",
    response=schemas.CredentialOut,
    summary="Set the platform's fallback account at a gateway (superadmin, audited)",
)
@access(roles={Role.SUPERADMIN})
def platform_credential_put(
    request: HttpRequest, gateway: str, payload: schemas.PlatformCredentialIn
) -> Any:
    return credential_set(
        actor=_user(request),
        tenant_id=None,
        gateway=gateway,
        production=payload.production,
        enabled=payload.enabled,
        secrets=payload.secrets,
        base_url=payload.base_url,
    )
