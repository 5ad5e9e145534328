"""Every settled top-up credits its meter exactly once, whatever the gateway sends and when.

Races run as threads against PostgreSQL (row locks); the ordering cases run everywhere.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.audit.models import AuditEvent
from core.payments.gateways.base import Inbound
from core.payments.gateways.midtrans.webhooks import signature_key
from core.payments.gateways.registry import sandbox_server_key
from core.payments.gateways.sandbox import book
from core.payments.models import Notification, Payment, State
from core.payments.services import (
    PaymentRequest,
    notification_receive,
    payment_start,
    payments_reconcile,
)
from tests.factories import MembershipFactory, UserFactory
from water.billing.models import LedgerEntry, PrepaidAccount
from water.billing.tests.factories import billable
from water.tests.helpers import Api

pytestmark = pytest.mark.django_db(transaction=True)
WEBHOOK = "/payments/webhooks/sandbox/"
needs_row_locks = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks")


def _topup(amount: int = 50_000, fee: int = 350) -> Payment:
    world = billable()
    user = UserFactory(email=f"pelanggan{world.meter.pk}@example.test", language="id")
    MembershipFactory(user=user, tenant=world.tenant, role="customer")
    world.meter.customer.user = user
    world.meter.customer.save(update_fields=["user"])
    return payment_start(
        PaymentRequest(
            tenant=world.tenant,
            payer=user,
            purpose="water.topup",
            purpose_ref=str(world.meter.pk),
            description=f"Water credit {world.meter.serial}",
            currency="IDR",
            amount_minor=amount,
            fee_minor=fee,
            gateway="sandbox",
            method="qris",
        )
    )


def _body(payment: Payment, status: str, code: str, gross: str, txn: str = "trx-1") -> bytes:
    data = {
        "order_id": payment.reference,
        "transaction_status": status,
        "status_code": code,
        "gross_amount": gross,
        "transaction_id": txn,
        "fraud_status": "accept",
        "currency": "IDR",
        "signature_key": signature_key(payment.reference, code, gross, sandbox_server_key()),
    }
    return json.dumps(data).encode()


def _receive(body: bytes) -> int:
    inbound = Inbound("POST", WEBHOOK, {"content-type": "application/json"}, body)
    return notification_receive("sandbox", inbound).status


def _credits(payment: Payment) -> list[int]:
    keys = LedgerEntry.objects.filter(idempotency_key__startswith=f"payment:{payment.reference}")
    return list(keys.values_list("amount_idr", flat=True))


def _balance(payment: Payment) -> int:
    account = PrepaidAccount.objects.filter(meter_id=int(payment.purpose_ref)).first()
    return account.balance_idr if account else 0


def _in_threads(jobs: list[Callable[[], object]]) -> tuple[list[object], list[BaseException]]:
    results: list[object] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], object]) -> None:
        try:
            start.wait()
            results.append(job())
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@needs_row_locks
def test_eight_copies_of_one_notification_at_once_credit_once():
    payment = _topup()
    body = _body(payment, "settlement", "200", "50350.00")

    results, errors = _in_threads([lambda: _receive(body) for _ in range(8)])

    assert errors == []
    assert results == [200] * 8  # every copy is answered "received": none will be retried
    assert _credits(payment) == [50_000]
    assert _balance(payment) == 50_000
    assert Notification.objects.filter(payment=payment).count() == 1
    payment.refresh_from_db()
    assert payment.state == State.SETTLED


@needs_row_locks
def test_webhooks_the_payer_and_reconciliation_racing_credit_once():
    payment = _topup()
    book.charge_finish(payment.reference, "pay")
    later = timezone.now() + timedelta(minutes=20)
    bodies = [_body(payment, "settlement", "200", "50350.00", txn=f"t{i}") for i in range(4)]

    jobs: list[Callable[[], object]] = [lambda b=b: _receive(b) for b in bodies]
    jobs += [lambda: payments_reconcile(now=later) for _ in range(2)]
    _, errors = _in_threads(jobs)

    assert errors == []
    assert _credits(payment) == [50_000]
    assert _balance(payment) == 50_000
    assert (
        AuditEvent.objects.filter(
            action="money.moved", data__key=f"payment:{payment.reference}"
        ).count()
        == 1
    )


def test_an_old_notification_replayed_after_a_refund_credits_nothing():
    payment = _topup()
    settled = _body(payment, "settlement", "200", "50350.00")
    pending = _body(payment, "pending", "201", "50350.00")
    _receive(pending)
    book.charge_finish(payment.reference, "pay")
    _receive(settled)
    admin = UserFactory(email="admin@example.test")
    MembershipFactory(user=admin, tenant=payment.tenant, role="client_admin")
    response = Api(admin).post(
        f"/api/v1/tenants/{payment.tenant_id}/payments/{payment.reference}/refunds",
        {"amount_minor": 20_000, "reason": "Meter replaced", "idempotency_key": "r1"},
    )
    assert response.status_code == 201, response.content

    assert (_receive(settled), _receive(pending)) == (200, 200)
    assert _receive(_body(payment, "settlement", "200", "50350.00", txn="replay")) == 200

    assert _credits(payment) == [50_000, -20_000]
    assert _balance(payment) == 30_000
    payment.refresh_from_db()
    assert (payment.state, payment.refunded_minor) == (State.PARTIALLY_REFUNDED, 20_000)
    outcomes = Notification.objects.filter(payment=payment).order_by("id")
    assert list(outcomes.values_list("outcome", flat=True)) == [
        "no_change",  # pending: it already was
        "applied",  # settled
        "stale",  # a new settlement message after the refund moves nothing
    ]


def test_settlement_before_pending_credits_once():
    payment = _topup()
    Payment.objects.filter(pk=payment.pk).update(state=State.CREATED)

    _receive(_body(payment, "settlement", "200", "50350.00"))
    _receive(_body(payment, "pending", "201", "50350.00", txn="trx-1"))

    assert _credits(payment) == [50_000]
    payment.refresh_from_db()
    assert payment.state == State.SETTLED


def test_an_amount_mismatch_leaves_no_credit_and_an_audit_entry():
    payment = _topup()

    status = _receive(_body(payment, "settlement", "200", "5035.00"))

    assert status == 200
    assert _credits(payment) == []
    assert _balance(payment) == 0
    event = AuditEvent.objects.get(action="payment.amount_mismatch")
    assert (event.data["reference"], event.data["gateway_amount_minor"]) == (
        payment.reference,
        5035,
    )
    payment.refresh_from_db()
    assert payment.state == State.PENDING
