"""Refunds, full or partial: through the gateway where it has a refund API, else recorded.

The refund row is committed (pending) before the gateway is called, with a key the vendor
uses to recognise a retry, so a crash in between leaves something to finish, never a
refund that happened without a record. The purpose (a meter's credit) is reversed in the
same transaction that marks the refund succeeded.
"""

from __future__ import annotations

import structlog
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.accounts.models import User
from core.audit import actions
from core.audit.services import audit_record
from core.payments.errors import (
    GatewayUnavailable,
    PaymentConflict,
    RefundInvalid,
    RefundRefused,
)
from core.payments.gateways.base import GatewayError
from core.payments.gateways.registry import gateway_class, gateway_for
from core.payments.models import PAID_STATES, Payment, Refund, RefundState
from core.payments.services.apply import refund_book

log = structlog.get_logger(__name__)


def _pending_minor(payment: Payment) -> int:
    total = payment.refunds.filter(state=RefundState.PENDING).aggregate(total=Sum("amount_minor"))
    return int(total["total"] or 0)


def _through_gateway(payment: Payment, amount_minor: int) -> bool:
    if payment.gateway == "cash":
        return False
    cls = gateway_class(payment.gateway)
    if not cls.supports_refund:
        return False
    if amount_minor < payment.amount_minor and not cls.supports_partial_refund:
        raise RefundInvalid(f"{cls.label} refunds only the whole payment.")
    return True


def _open(
    payment: Payment, amount_minor: int, reason: str, actor: User, key: str
) -> tuple[Refund, bool]:
    """Lock the payment, check the amount, store the pending refund. (refund, is_new)."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        found = Refund.objects.filter(idempotency_key=key).first()
        if found is not None:
            if found.payment_id != locked.pk:
                raise PaymentConflict("This idempotency key belongs to another refund.")
            return found, False
        if locked.state not in PAID_STATES:
            raise RefundInvalid("Only a paid payment can be refunded.")
        available = locked.refundable_minor - _pending_minor(locked)
        if amount_minor > available:
            raise RefundInvalid(
                f"At most {available} can still be refunded.", extra={"field": "amount_minor"}
            )
        through = _through_gateway(locked, amount_minor)
        refund = Refund.objects.create(
            payment=locked,
            amount_minor=amount_minor,
            reason=reason,
            state=RefundState.PENDING,
            through_gateway=through,
            idempotency_key=key,
            actor=actor,
        )
        audit_record(
            action=actions.PAYMENT_REFUND_REQUESTED,
            actor=actor,
            tenant=locked.tenant_id,
            target=locked,
            data={
                "reference": locked.reference,
                "amount_minor": amount_minor,
                "currency": locked.currency,
                "through_gateway": through,
                "reason": reason[:200],
            },
        )
        return refund, True


def refund_complete(refund: Refund, *, gateway_refund_id: str = "") -> Refund:
    """Mark a pending refund succeeded and reverse the purpose, once."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.state != RefundState.PENDING:
            return refund
        refund.state = RefundState.SUCCEEDED
        refund.gateway_refund_id = gateway_refund_id[:128]
        refund.completed_at = timezone.now()
        refund.save(update_fields=["state", "gateway_refund_id", "completed_at"])
        refund_book(
            payment,
            refund,
            source="staff",
            gateway_status="refund" if refund.through_gateway else "refund:manual",
            actor=refund.actor,
        )
    return refund


def _fail(refund: Refund, reason: str) -> None:
    Refund.objects.filter(pk=refund.pk, state=RefundState.PENDING).update(
        state=RefundState.FAILED, failure_reason=reason[:200], completed_at=timezone.now()
    )


def refund_send(refund: Refund) -> Refund:
    """Ask the gateway to pay a pending refund back (again, after a time-out: same key)."""
    payment = refund.payment
    try:
        result = gateway_for(payment.tenant_id, payment.gateway).refund(
            reference=payment.reference,
            gateway_txn_id=payment.gateway_txn_id,
            amount_minor=refund.amount_minor,
            currency=payment.currency,
            reason=refund.reason,
            refund_key=refund.idempotency_key,
        )
    except GatewayError as exc:
        log.warning("payment_refund_refused", reference=payment.reference, code=exc.code)
        if not exc.retry:
            _fail(refund, str(exc))
            raise RefundRefused(
                f"The gateway refused the refund ({exc.code or 'no code'}). Nothing was refunded.",
                extra={"gateway": payment.gateway},
            ) from exc
        raise GatewayUnavailable(
            "The gateway did not answer the refund. It will be tried again.",
            extra={"gateway": payment.gateway, "retry": exc.retry},
        ) from exc
    if result.status == "succeeded":
        return refund_complete(refund, gateway_refund_id=result.refund_id)
    Refund.objects.filter(pk=refund.pk).update(gateway_refund_id=result.refund_id[:128])
    refund.refresh_from_db()
    return refund


def refund_create(
    *, payment: Payment, amount_minor: int, reason: str, actor: User, idempotency_key: str
) -> Refund:
    """Refund `amount_minor` of a paid payment (at most what the purpose received). Audited.

    Gateways without a refund API (DOKU Checkout, WiPay) and cash payments get a recorded
    refund that staff pay back by hand; the ledger is reversed the same way.
    """
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor <= 0:
        raise RefundInvalid("A refund must be above zero.", extra={"field": "amount_minor"})
    if not reason.strip():
        raise RefundInvalid("A refund needs a reason.", extra={"field": "reason"})
    if not idempotency_key or len(idempotency_key) > 80:
        raise RefundInvalid("An idempotency key of 1 to 80 characters is required.")
    key = f"{payment.reference}:{idempotency_key}"
    refund, is_new = _open(payment, amount_minor, reason.strip(), actor, key)
    if refund.state != RefundState.PENDING:
        return refund
    if not refund.through_gateway:
        return refund_complete(refund)
    if not is_new and refund.gateway_refund_id:
        return refund
    return refund_send(refund)
