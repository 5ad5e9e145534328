"""The payment state machine end to end through the sandbox gateway and its signed notifications."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.audit.models import AuditEvent
from core.notifications.models import Notification as Message
from core.payments.gateways.midtrans.webhooks import signature_key
from core.payments.gateways.registry import sandbox_server_key
from core.payments.gateways.sandbox import book
from core.payments.models import Notification, Outcome, Payment, State, Transition
from core.payments.services import payment_start, payments_reconcile, reconciliation_report
from core.payments.tests.conftest import Shop, fulfilments, order

pytestmark = pytest.mark.django_db(transaction=True)
WEBHOOK = "/payments/webhooks/sandbox/"


def signed(reference: str, status: str, code: str, gross: str, **extra: str) -> bytes:
    body = {
        "order_id": reference,
        "transaction_status": status,
        "status_code": code,
        "gross_amount": gross,
        "transaction_id": extra.pop("transaction_id", "trx-1"),
        "fraud_status": "accept",
        "currency": "IDR",
        "payment_type": "qris",
        "transaction_time": "2026-11-22 09:00:00",
        **extra,
    }
    body["signature_key"] = signature_key(reference, code, gross, sandbox_server_key())
    return json.dumps(body).encode()


def post(body: bytes):
    return Client().post(WEBHOOK, data=body, content_type="application/json")


def states(payment: Payment) -> list[tuple[str, str, str]]:
    rows = Transition.objects.filter(payment=payment).order_by("id")
    return [(t.from_state, t.to_state, t.source) for t in rows]


def test_a_qris_payment_is_paid_on_the_sandbox_page_and_fulfilled_once(shop: Shop):
    payment = payment_start(order(shop))

    assert payment.state == State.PENDING
    assert payment.total_minor == 50_350
    assert (
        payment.checkout["qr_string"]
        == f"http://127.0.0.1:8000/payments/sandbox/{payment.reference}/"
    )
    assert payment.reference.startswith("TS-")
    assert len(payment.reference) == 16

    response = Client().post(f"/payments/sandbox/{payment.reference}/", {"action": "pay"})

    assert response.status_code == 302
    assert response["Location"] == f"/payments/return/{payment.reference}/"
    payment.refresh_from_db()
    assert payment.state == State.SETTLED
    assert payment.settled_at is not None
    assert fulfilments(payment) == 1
    assert states(payment) == [
        ("created", "pending", "payer"),
        ("pending", "settled", "webhook"),
    ]
    note = Notification.objects.get(payment=payment)
    assert (note.outcome, note.gateway_status, note.amount_minor) == (
        "applied",
        "settlement",
        50_350,
    )
    message = Message.objects.get(user=shop.payer, event="payment.settled")
    assert message.title == "Payment received: Rp 50,350"
    audit = AuditEvent.objects.filter(action="payment.state_changed", target_id=str(payment.pk))
    assert [e.data["to"] for e in audit.order_by("seq")] == ["pending", "settled"]


def test_the_same_notification_again_is_a_duplicate_and_credits_nothing(shop: Shop):
    payment = payment_start(order(shop))
    body = signed(payment.reference, "settlement", "200", "50350.00")

    first, second = post(body), post(body)

    assert (first.status_code, second.status_code) == (200, 200)
    payment.refresh_from_db()
    assert payment.state == State.SETTLED
    assert fulfilments(payment) == 1
    assert Notification.objects.filter(payment=payment).count() == 1


def test_a_forged_notification_is_refused_and_changes_nothing(shop: Shop):
    payment = payment_start(order(shop))
    body = json.loads(signed(payment.reference, "settlement", "200", "50350.00"))
    body["signature_key"] = signature_key(payment.reference, "200", "50350.00", "SB-wrong")

    response = post(json.dumps(body).encode())

    assert response.status_code == 401
    payment.refresh_from_db()
    assert payment.state == State.PENDING
    assert fulfilments(payment) == 0
    rejected = Notification.objects.get(outcome=Outcome.REJECTED)
    assert rejected.payment is None
    assert rejected.detail == "signature_key does not match."
    assert AuditEvent.objects.filter(action="payment.notification_rejected").count() == 1


def test_a_wrong_amount_is_recorded_and_never_credited(shop: Shop):
    payment = payment_start(order(shop))

    response = post(signed(payment.reference, "settlement", "200", "50000.00"))

    assert response.status_code == 200  # recorded safely: retrying cannot help
    payment.refresh_from_db()
    assert payment.state == State.PENDING
    assert fulfilments(payment) == 0
    note = Notification.objects.get(payment=payment)
    assert (note.outcome, note.detail) == ("amount_mismatch", "gateway amount 50000 is not 50350")
    event = AuditEvent.objects.get(action="payment.amount_mismatch")
    assert event.data["gateway_amount_minor"] == 50_000


def test_settlement_before_pending_settles_and_the_late_pending_is_stale(shop: Shop):
    payment = payment_start(order(shop))
    Payment.objects.filter(pk=payment.pk).update(state=State.CREATED)

    settled = post(signed(payment.reference, "settlement", "200", "50350.00"))
    late = post(signed(payment.reference, "pending", "201", "50350.00"))

    assert (settled.status_code, late.status_code) == (200, 200)
    payment.refresh_from_db()
    assert payment.state == State.SETTLED
    assert fulfilments(payment) == 1
    outcomes = list(
        Notification.objects.filter(payment=payment)
        .order_by("id")
        .values_list("outcome", flat=True)
    )
    assert outcomes == ["applied", "stale"]


def test_a_denial_after_settlement_is_a_conflict_not_a_reversal(shop: Shop):
    payment = payment_start(order(shop))
    post(signed(payment.reference, "settlement", "200", "50350.00"))

    post(signed(payment.reference, "deny", "202", "50350.00"))

    payment.refresh_from_db()
    assert payment.state == State.SETTLED
    assert fulfilments(payment) == 1
    assert AuditEvent.objects.filter(action="payment.conflict").count() == 1


def test_a_late_settlement_of_an_expired_payment_is_accepted(shop: Shop):
    payment = payment_start(order(shop))
    post(signed(payment.reference, "expire", "407", "50350.00"))

    post(signed(payment.reference, "settlement", "200", "50350.00", transaction_id="trx-2"))

    payment.refresh_from_db()
    assert payment.state == State.SETTLED
    assert [s[1] for s in states(payment)] == ["pending", "expired", "settled"]
    assert fulfilments(payment) == 1


def test_a_notification_for_an_unknown_order_is_kept_and_acknowledged():
    response = post(signed("TS-000000-NOSUCH", "settlement", "200", "10000.00"))

    assert response.status_code == 200
    note = Notification.objects.get()
    assert (note.outcome, note.reference, note.payment) == (
        "unknown_payment",
        "TS-000000-NOSUCH",
        None,
    )


def test_reconciliation_settles_a_payment_whose_notification_was_lost(shop: Shop):
    payment = payment_start(order(shop))
    book.charge_finish(payment.reference, "pay")  # paid at the gateway, notification lost
    later = timezone.now() + timedelta(minutes=16)

    result = payments_reconcile(now=later)

    payment.refresh_from_db()
    assert payment.state == State.SETTLED
    assert (result.checked, result.settled, result.expired) == (1, 1, 0)
    assert states(payment)[-1] == ("pending", "settled", "inquiry")
    assert fulfilments(payment) == 1
    assert payments_reconcile(now=later + timedelta(minutes=11)).checked == 0


def test_reconciliation_expires_an_abandoned_payment_after_the_grace(shop: Shop):
    payment = payment_start(order(shop))
    early = timezone.now() + timedelta(minutes=30)  # past inquiry, not past expiry + grace
    late = timezone.now() + timedelta(minutes=125)

    assert payments_reconcile(now=early).unchanged == 1
    result = payments_reconcile(now=late)

    payment.refresh_from_db()
    assert payment.state == State.EXPIRED
    assert result.expired == 1
    assert fulfilments(payment) == 0


def test_the_report_lists_a_paid_payment_missing_from_the_ledger(shop: Shop):
    good = payment_start(order(shop))
    Client().post(f"/payments/sandbox/{good.reference}/", {"action": "pay"})
    bad = payment_start(order(shop, purpose_ref="43"))
    Payment.objects.filter(pk=bad.pk).update(state=State.SETTLED)  # settled, never fulfilled
    lost = payment_start(order(shop, purpose_ref="44"))
    book.charge_finish(lost.reference, "pay")
    day = timedelta(days=1)

    found = reconciliation_report(
        date_from=timezone.now() - day, date_to=timezone.now() + day, ask_gateway=True
    )

    assert [(m.reference, m.kind, m.expected_minor, m.ledger_minor) for m in found] == [
        (bad.reference, "gateway_unpaid", 50_000, 0),  # the gateway never saw it paid
        (bad.reference, "ledger_differs", 50_000, 0),
        (lost.reference, "gateway_paid", 0, 0),
    ]
