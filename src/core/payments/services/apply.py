"""Apply what a gateway says to a payment: the one place a payment changes state.

Every statement (webhook, returning browser, status inquiry, sandbox) goes through
`payment_apply`, which locks the payment row, checks amount and currency, refuses moves the
state machine does not allow, and fulfils the purpose on the first move to SETTLED, all in
one transaction. The notification inbox (unique per gateway message) makes a replayed
message a no-op, and the lock makes two racing messages take turns.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.accounts.models import User
from core.audit import actions
from core.audit.services import audit_record
from core.payments import metrics
from core.payments.gateways.base import EventStatus, GatewayEvent
from core.payments.models import (
    CLOSED_UNPAID,
    PAID_STATES,
    STATE_TIMESTAMP,
    TRANSITIONS,
    Notification,
    Outcome,
    Payment,
    Refund,
    RefundState,
    State,
    Transition,
)
from core.payments.purposes import purpose_get
from core.payments.services.announce import announce

log = structlog.get_logger(__name__)

TARGET = {
    EventStatus.PENDING: State.PENDING,
    EventStatus.SETTLED: State.SETTLED,
    EventStatus.FAILED: State.FAILED,
    EventStatus.EXPIRED: State.EXPIRED,
    EventStatus.CANCELLED: State.CANCELLED,
}


@dataclass(frozen=True)
class Applied:
    outcome: str
    payment: Payment | None
    detail: str = ""


def _record(
    gateway: str, event: GatewayEvent, source: str, payment: Payment | None
) -> Notification | None:
    """Insert the inbox row; None when this exact message was handled before."""
    try:
        with transaction.atomic():
            return Notification.objects.create(
                gateway=gateway,
                dedupe_id=event.dedupe_id[:200],
                payment=payment,
                reference=event.reference[:64],
                source=source,
                gateway_status=event.gateway_status[:64],
                amount_minor=event.amount_minor,
                outcome=Outcome.NO_CHANGE,
                payload=dict(event.payload),
            )
    except IntegrityError:
        return None


def _move(
    payment: Payment,
    to_state: str,
    *,
    source: str,
    gateway_status: str,
    actor: User | None = None,
    amount_minor: int | None = None,
) -> None:
    """Change state with its timestamp, transition row and audit entry (caller holds the lock)."""
    now = timezone.now()
    before = payment.state
    payment.state = to_state
    fields = ["state", "gateway_status", "updated_at"]
    stamp = STATE_TIMESTAMP.get(to_state)
    if stamp is not None:
        setattr(payment, stamp, now)
        fields.append(stamp)
    payment.gateway_status = gateway_status[:64]
    payment.save(update_fields=fields)
    Transition.objects.create(
        payment=payment,
        from_state=before,
        to_state=to_state,
        source=source,
        gateway_status=gateway_status[:64],
    )
    audit_record(
        action=actions.PAYMENT_STATE_CHANGED,
        tenant=payment.tenant_id,
        target=payment,
        actor=actor,
        actor_email="" if actor is not None else "system",
        data={
            "reference": payment.reference,
            "from": before,
            "to": to_state,
            "source": source,
            "gateway": payment.gateway,
            "gateway_status": gateway_status[:64],
            "total_minor": payment.total_minor,
            "currency": payment.currency,
        },
    )
    metrics.transition(payment, to_state)
    announce(payment, before, amount_minor=amount_minor)


def _refund_at_gateway(payment: Payment, event: GatewayEvent, source: str) -> Applied:
    """A refund made outside the platform (the vendor's dashboard): record and reverse it."""
    total_refunded = event.refunded_minor
    if total_refunded is None:
        total_refunded = payment.amount_minor if event.status == EventStatus.REFUNDED else 0
    # Our own refunds still waiting for the gateway's answer come first: this message is
    # that answer, and booking them again as "refunded at the gateway" would reverse twice.
    completed = 0
    for waiting in payment.refunds.filter(state=RefundState.PENDING).order_by("id"):
        if payment.refunded_minor + waiting.amount_minor > total_refunded:
            break
        completed += 1
        waiting.state = RefundState.SUCCEEDED
        waiting.completed_at = timezone.now()
        waiting.save(update_fields=["state", "completed_at"])
        refund_book(payment, waiting, source=source, gateway_status=event.gateway_status)
    new = min(total_refunded, payment.amount_minor) - payment.refunded_minor
    if new <= 0:
        if completed:
            return Applied(Outcome.APPLIED, payment, "refund confirmed")
        return Applied(Outcome.NO_CHANGE, payment, "refund already recorded")
    refund = Refund.objects.create(
        payment=payment,
        amount_minor=new,
        reason="Refunded at the gateway",
        state=RefundState.SUCCEEDED,
        through_gateway=True,
        idempotency_key=f"gateway:{payment.gateway}:{event.dedupe_id}"[:120],
        completed_at=timezone.now(),
    )
    refund_book(payment, refund, source=source, gateway_status=event.gateway_status)
    return Applied(Outcome.APPLIED, payment, "refund recorded")


def refund_book(
    payment: Payment,
    refund: Refund,
    *,
    source: str,
    gateway_status: str,
    actor: User | None = None,
) -> None:
    """Reverse the purpose and move the payment for a succeeded refund (caller holds the lock)."""
    purpose_get(payment.purpose).reverse(payment, refund, refund.amount_minor)
    payment.refunded_minor += refund.amount_minor
    payment.save(update_fields=["refunded_minor", "updated_at"])
    whole = payment.refunded_minor >= payment.amount_minor
    _move(
        payment,
        State.REFUNDED if whole else State.PARTIALLY_REFUNDED,
        source=source,
        gateway_status=gateway_status,
        actor=actor,
        amount_minor=refund.amount_minor,
    )


def _decide(payment: Payment, event: GatewayEvent, source: str) -> Applied:
    """Compare the event with the locked payment and move it if the event allows."""
    if event.currency and event.currency != payment.currency:
        return Applied(Outcome.AMOUNT_MISMATCH, payment, f"currency {event.currency}")
    if event.amount_minor is not None and event.amount_minor != payment.total_minor:
        return Applied(
            Outcome.AMOUNT_MISMATCH,
            payment,
            f"gateway amount {event.amount_minor} is not {payment.total_minor}",
        )
    if event.gateway_txn_id and not payment.gateway_txn_id:
        payment.gateway_txn_id = event.gateway_txn_id[:128]
        payment.save(update_fields=["gateway_txn_id", "updated_at"])
    if event.status in (EventStatus.REFUNDED, EventStatus.PARTIALLY_REFUNDED):
        if payment.state not in PAID_STATES:
            return Applied(Outcome.CONFLICT, payment, "refund reported for an unpaid payment")
        return _refund_at_gateway(payment, event, source)
    if event.status == EventStatus.REVERSED:
        return Applied(Outcome.CONFLICT, payment, "reversed at the gateway after payment")
    if event.status == EventStatus.REVIEW:
        payment.gateway_status = event.gateway_status[:64]
        payment.save(update_fields=["gateway_status", "updated_at"])
        return Applied(Outcome.NO_CHANGE, payment, "held for review at the gateway")
    target = TARGET[event.status]
    if target == payment.state:
        return Applied(Outcome.NO_CHANGE, payment)
    if target not in TRANSITIONS[payment.state]:
        # A returning browser (a refreshed FAC page) proves nothing against a payment.
        if payment.state in PAID_STATES and target in CLOSED_UNPAID and source != "return":
            return Applied(Outcome.CONFLICT, payment, f"{target} after payment")
        return Applied(Outcome.STALE, payment, f"{target} after {payment.state}")
    if target == State.SETTLED:
        purpose_get(payment.purpose).fulfil(payment)
    if target == State.FAILED and not payment.failure_reason:
        payment.failure_reason = event.gateway_status[:200]
        payment.save(update_fields=["failure_reason", "updated_at"])
    _move(payment, target, source=source, gateway_status=event.gateway_status)
    return Applied(Outcome.APPLIED, payment)


def payment_apply(
    *, gateway: str, event: GatewayEvent, source: str, record: bool = True
) -> Applied:
    """Apply one verified gateway statement, once. Returns what it did.

    `record` keeps the message in the inbox, so the same message twice is a duplicate; a
    status inquiry passes False, its answer being a fresh reading rather than a message.
    """
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .filter(reference=event.reference, gateway=gateway)
            .first()
        )
        row = _record(gateway, event, source, payment) if record else None
        if record and row is None:
            metrics.notification(gateway, Outcome.DUPLICATE)
            return Applied(Outcome.DUPLICATE, payment)
        if payment is None:
            result = Applied(Outcome.UNKNOWN_PAYMENT, None, "no such payment here")
        else:
            result = _decide(payment, event, source)
        if row is not None:
            row.outcome = result.outcome
            row.detail = result.detail[:200]
            row.save(update_fields=["outcome", "detail"])
        if result.outcome in (Outcome.AMOUNT_MISMATCH, Outcome.CONFLICT) and payment:
            audit_record(
                action=f"payment.{result.outcome}",
                tenant=payment.tenant_id,
                target=payment,
                actor_email="system",
                data={
                    "reference": payment.reference,
                    "gateway": gateway,
                    "source": source,
                    "gateway_status": event.gateway_status[:64],
                    "gateway_amount_minor": event.amount_minor,
                    "total_minor": payment.total_minor,
                    "detail": result.detail,
                },
            )
    metrics.notification(gateway, result.outcome)
    if result.outcome in (Outcome.AMOUNT_MISMATCH, Outcome.CONFLICT, Outcome.UNKNOWN_PAYMENT):
        log.warning(
            "payment_event_refused",
            gateway=gateway,
            reference=event.reference,
            outcome=result.outcome,
            detail=result.detail,
        )
    return result


def payment_check(payment: Payment) -> Applied | None:
    """Ask the gateway about one open payment now (the payer's "check again" button)."""
    from core.payments.gateways.registry import gateway_class, gateway_for

    if payment.gateway == "cash" or not gateway_class(payment.gateway).supports_query:
        return None
    event = gateway_for(payment.tenant_id, payment.gateway).query(
        payment.reference, payment.gateway_txn_id
    )
    Payment.objects.filter(pk=payment.pk).update(checked_at=timezone.now())
    return payment_apply(gateway=payment.gateway, event=event, source="inquiry", record=False)
