"""Reconciliation: settle or expire what notifications left open, and report mismatches.

`payments_reconcile` runs every five minutes (PERIODIC_TASKS). It asks the gateway about
payments still open after PAYMENTS_INQUIRY_AFTER, applies the answer through the same
exactly-once path as a webhook, expires what stays open past its expiry plus
PAYMENTS_EXPIRY_GRACE, and sends refunds a gateway did not answer again.
`reconciliation_report` lists every disagreement between gateway, payment and ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.payments.errors import GatewayUnavailable
from core.payments.gateways.base import EventStatus, GatewayError, GatewayMisconfigured
from core.payments.gateways.registry import gateway_class, gateway_for
from core.payments.models import (
    OPEN_STATES,
    PAID_STATES,
    Notification,
    Outcome,
    Payment,
    Refund,
    RefundState,
    State,
)
from core.payments.purposes import purpose_get
from core.payments.services.apply import _move, payment_apply
from core.payments.services.refunds import refund_send

log = structlog.get_logger(__name__)
BATCH = 200


@dataclass
class ReconcileResult:
    checked: int = 0
    settled: int = 0
    expired: int = 0
    unchanged: int = 0
    errors: int = 0
    refunds_retried: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def _inquire(payment: Payment, result: ReconcileResult) -> None:
    cls = gateway_class(payment.gateway)
    if not cls.supports_query:
        return
    result.checked += 1
    try:
        event = gateway_for(payment.tenant_id, payment.gateway).query(
            payment.reference, payment.gateway_txn_id
        )
    except GatewayError as exc:
        # "Transaction doesn't exist": the payer never opened the gateway's page.
        if exc.code != "404":
            result.errors += 1
            log.warning("payment_inquiry_failed", reference=payment.reference, code=exc.code)
        return
    applied = payment_apply(gateway=payment.gateway, event=event, source="inquiry", record=False)
    result.outcomes[applied.outcome] = result.outcomes.get(applied.outcome, 0) + 1
    if applied.outcome == Outcome.APPLIED and event.status == EventStatus.SETTLED:
        result.settled += 1


def _expire(payment: Payment, now: datetime) -> bool:
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.state not in OPEN_STATES:
            return False
        _move(locked, State.EXPIRED, source="inquiry", gateway_status="expired:no-payment")
    return True


def payments_reconcile(now: datetime | None = None) -> ReconcileResult:
    """Inquire about payments open too long, expire the abandoned, retry stuck refunds."""
    now = now or timezone.now()
    result = ReconcileResult()
    due = (
        Payment.objects.filter(
            state__in=OPEN_STATES, created_at__lte=now - settings.PAYMENTS_INQUIRY_AFTER
        )
        .filter(Q(checked_at__isnull=True) | Q(checked_at__lte=now - timedelta(minutes=10)))
        .exclude(gateway="cash")
        .order_by("created_at")[:BATCH]
    )
    for payment in due:
        try:
            _inquire(payment, result)
        except GatewayMisconfigured:
            result.errors += 1
        Payment.objects.filter(pk=payment.pk).update(checked_at=now)
        payment.refresh_from_db()
        if payment.state in OPEN_STATES and (
            payment.expires_at is None or payment.expires_at + settings.PAYMENTS_EXPIRY_GRACE <= now
        ):
            result.expired += int(_expire(payment, now))
        elif payment.state in OPEN_STATES:
            result.unchanged += 1
    stuck = Refund.objects.filter(
        state=RefundState.PENDING,
        through_gateway=True,
        created_at__lte=now - timedelta(minutes=10),
    ).select_related("payment")[:BATCH]
    for refund in stuck:
        result.refunds_retried += 1
        try:
            refund_send(refund)
        except (GatewayUnavailable, GatewayMisconfigured):
            result.errors += 1
    if result.checked or result.expired or result.refunds_retried:
        log.info("payments_reconciled", **dict(result.__dict__))
    return result


@dataclass(frozen=True)
class Mismatch:
    reference: str
    kind: str
    gateway: str
    state: str
    expected_minor: int
    ledger_minor: int | None
    gateway_status: str
    detail: str
    at: datetime


MISMATCH_KINDS = {
    "ledger_differs": "The ledger does not show what the payment says was paid.",
    "gateway_paid": "The gateway says paid; the payment is not.",
    "gateway_unpaid": "The payment is paid; the gateway says it is not.",
    "amount_mismatch": "A gateway message carried another amount.",
    "conflict": "A gateway message contradicted a final state (reversal, chargeback).",
    "open_past_expiry": "Still open after its expiry.",
}


def _expected(payment: Payment) -> int:
    return payment.amount_minor - payment.refunded_minor if payment.state in PAID_STATES else 0


def reconciliation_report(
    *,
    date_from: datetime,
    date_to: datetime,
    tenant_id: int | None = None,
    ask_gateway: bool = False,
) -> list[Mismatch]:
    """Every disagreement for payments created in [date_from, date_to).

    Compares each payment with the ledger (through its purpose), lists the messages that
    were refused for a wrong amount or a contradiction, and with `ask_gateway` also asks
    each gateway with a status inquiry what it holds now.
    """
    payments = Payment.objects.filter(created_at__gte=date_from, created_at__lt=date_to)
    if tenant_id is not None:
        payments = payments.filter(tenant_id=tenant_id)
    payments = payments.order_by("created_at", "id")
    found: list[Mismatch] = []
    now = timezone.now()
    by_purpose: dict[str, list[Payment]] = {}
    for payment in payments:
        by_purpose.setdefault(payment.purpose, []).append(payment)

    def add(payment: Payment, kind: str, ledger: int | None, status: str, detail: str) -> None:
        found.append(
            Mismatch(
                reference=payment.reference,
                kind=kind,
                gateway=payment.gateway,
                state=payment.state,
                expected_minor=_expected(payment),
                ledger_minor=ledger,
                gateway_status=status,
                detail=detail,
                at=payment.created_at,
            )
        )

    for purpose_name, group in by_purpose.items():
        ledger = purpose_get(purpose_name).fulfilled_many(group)
        for payment in group:
            expected, booked = _expected(payment), ledger.get(payment.pk, 0)
            if expected != booked:
                add(payment, "ledger_differs", booked, payment.gateway_status, "")
            if payment.state in OPEN_STATES and payment.expires_at and payment.expires_at < now:
                add(payment, "open_past_expiry", booked, payment.gateway_status, "")
            if ask_gateway and payment.gateway != "cash":
                _compare_with_gateway(payment, booked, add)
    refused = Notification.objects.filter(
        payment__in=payments, outcome__in=[Outcome.AMOUNT_MISMATCH, Outcome.CONFLICT]
    ).select_related("payment")
    for note in refused:
        if note.payment is not None:
            add(note.payment, str(note.outcome), None, note.gateway_status, note.detail)
    return sorted(found, key=lambda m: (m.at, m.reference, m.kind))


Add = Callable[[Payment, str, int | None, str, str], None]


def _compare_with_gateway(payment: Payment, booked: int, add: Add) -> None:
    cls = gateway_class(payment.gateway)
    if not cls.supports_query:
        return
    try:
        event = gateway_for(payment.tenant_id, payment.gateway).query(
            payment.reference, payment.gateway_txn_id
        )
    except GatewayError as exc:
        if exc.code == "404" and payment.state not in PAID_STATES:
            return
        add(payment, "gateway_unpaid", booked, f"error:{exc.code}", str(exc)[:200])
        return
    paid_there = event.status in (
        EventStatus.SETTLED,
        EventStatus.REFUNDED,
        EventStatus.PARTIALLY_REFUNDED,
    )
    if paid_there and payment.state not in PAID_STATES:
        add(payment, "gateway_paid", booked, event.gateway_status, "")
    elif not paid_there and payment.state in PAID_STATES:
        add(payment, "gateway_unpaid", booked, event.gateway_status, "")
