"""Payments API and pages: who sees what, refunds, statistics, gateway accounts, metrics."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from core.audit.models import AuditEvent
from core.ops.metrics import exposition
from core.payments.models import GatewayCredential, Payment, Refund, State
from core.payments.services import payment_start
from core.payments.tests.conftest import Shop, fulfilments, order
from tests.factories import MembershipFactory, UserFactory
from water.tests.helpers import Api

pytestmark = pytest.mark.django_db(transaction=True)


def _paid(shop: Shop, **changes: object) -> Payment:
    payment = payment_start(order(shop, **changes))
    Client().post(f"/payments/sandbox/{payment.reference}/", {"action": "pay"})
    payment.refresh_from_db()
    return payment


def _refunds(shop: Shop, reference: str) -> str:
    return f"/api/v1/tenants/{shop.tenant.pk}/payments/{reference}/refunds"


def test_the_payer_sees_their_payment_with_its_history_and_a_stranger_gets_404(shop: Shop):
    payment = _paid(shop)
    stranger = UserFactory(email="stranger@example.test")

    mine = Api(shop.payer).get(f"/api/v1/payments/{payment.reference}")
    theirs = Api(stranger).get(f"/api/v1/payments/{payment.reference}")
    listed = Api(shop.payer).get("/api/v1/payments")

    assert mine.status_code == 200
    body = mine.json()
    assert (body["state"], body["total_minor"], body["page_url"]) == (
        "settled",
        50_350,
        f"/payments/{payment.reference}/",
    )
    assert [(t["from_state"], t["to_state"]) for t in body["transitions"]] == [
        ("created", "pending"),
        ("pending", "settled"),
    ]
    assert theirs.status_code == 404
    assert [row["reference"] for row in listed.json()["items"]] == [payment.reference]


def test_a_partial_then_a_full_refund_and_an_excess_refused(shop: Shop):
    payment = _paid(shop)
    api = Api(shop.admin)

    part = api.post(
        _refunds(shop, payment.reference),
        {"amount_minor": 10_000, "reason": "Overpaid", "idempotency_key": "a"},
    )
    again = api.post(
        _refunds(shop, payment.reference),
        {"amount_minor": 10_000, "reason": "Overpaid", "idempotency_key": "a"},
    )
    excess = api.post(
        _refunds(shop, payment.reference),
        {"amount_minor": 40_001, "reason": "Too much", "idempotency_key": "b"},
    )
    rest = api.post(
        _refunds(shop, payment.reference),
        {"amount_minor": 40_000, "reason": "Account closed", "idempotency_key": "c"},
    )

    assert (part.status_code, again.status_code, rest.status_code) == (201, 201, 201)
    assert again.json()["id"] == part.json()["id"]  # the same key is the same refund
    assert excess.status_code == 422
    assert excess.json()["code"] == "refund_invalid"
    payment.refresh_from_db()
    assert (payment.state, payment.refunded_minor) == (State.REFUNDED, 50_000)
    assert Refund.objects.filter(payment=payment).count() == 2
    reversed_amounts = AuditEvent.objects.filter(action="test.reversed").values_list(
        "data__amount", flat=True
    )
    assert sorted(reversed_amounts) == [-40_000, -10_000]


def test_an_operator_cannot_refund_and_nothing_changes(shop: Shop):
    payment = _paid(shop)
    operator = UserFactory(email="operator@shop.test")
    MembershipFactory(user=operator, tenant=shop.tenant, role="client_operator")

    response = Api(operator).post(
        _refunds(shop, payment.reference),
        {"amount_minor": 10_000, "reason": "Overpaid", "idempotency_key": "a"},
    )

    assert response.status_code == 403
    payment.refresh_from_db()
    assert (payment.state, payment.refunded_minor) == (State.SETTLED, 0)
    assert Refund.objects.count() == 0


def test_an_unpaid_payment_cannot_be_refunded(shop: Shop):
    payment = payment_start(order(shop))

    response = Api(shop.admin).post(
        _refunds(shop, payment.reference),
        {"amount_minor": 1_000, "reason": "Why", "idempotency_key": "a"},
    )

    assert response.status_code == 422
    assert Refund.objects.count() == 0


def test_statistics_count_states_and_success_rate(shop: Shop):
    _paid(shop)
    _paid(shop, purpose_ref="2")
    failed = payment_start(order(shop, purpose_ref="3"))
    Client().post(f"/payments/sandbox/{failed.reference}/", {"action": "fail"})
    payment_start(order(shop, purpose_ref="4"))
    now = timezone.now()
    start, end = (now - timedelta(hours=1)).isoformat(), (now + timedelta(hours=1)).isoformat()
    query = f"?from={start}&to={end}"

    response = Api(shop.admin).get(
        f"/api/v1/tenants/{shop.tenant.pk}/payment-stats{query.replace('+', '%2B')}"
    )

    assert response.status_code == 200
    (sandbox,) = response.json()
    assert sandbox["by_state"] == {"settled": 2, "failed": 1, "pending": 1}
    assert sandbox["success_rate"] == round(2 / 3, 4)
    assert sandbox["median_settle_seconds"] is not None


def test_gateway_secrets_are_sealed_never_shown_and_the_change_is_audited(shop: Shop):
    url = f"/api/v1/tenants/{shop.tenant.pk}/payment-gateways/midtrans"
    body = {
        "production": True,
        "secrets": {"server_key": "Mid-server-SECRET-1", "client_key": "Mid-client-2"},
    }

    saved = Api(shop.admin).put(url, body)
    listed = Api(shop.admin).get(f"/api/v1/tenants/{shop.tenant.pk}/payment-gateways")
    kept = Api(shop.admin).put(url, {"production": False, "secrets": {"server_key": ""}})

    assert saved.status_code == 200
    assert saved.json()["secrets_set"] == ["client_key", "server_key"]
    assert "SECRET" not in saved.content.decode() + listed.content.decode()
    midtrans = next(row for row in listed.json() if row["gateway"] == "midtrans")
    assert (midtrans["configured"], midtrans["production"], midtrans["inherited"]) == (
        True,
        True,
        False,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM payments_gatewaycredential")
        (stored,) = cursor.fetchone()
    assert "SECRET" not in stored
    row = GatewayCredential.objects.get()
    assert json.loads(row.secrets)["server_key"] == "Mid-server-SECRET-1"  # empty kept it
    assert kept.json()["production"] is False
    events = AuditEvent.objects.filter(action="payment.credentials_changed").order_by("seq")
    assert [e.data["secrets_changed"] for e in events] == [["client_key", "server_key"], []]


def test_a_gateway_account_missing_a_key_is_refused_and_nothing_stored(shop: Shop):
    response = Api(shop.admin).put(
        f"/api/v1/tenants/{shop.tenant.pk}/payment-gateways/doku",
        {"secrets": {"client_id": "BRN-1"}},
    )

    assert response.status_code == 422
    assert response.json()["code"] == "payment_invalid"
    assert GatewayCredential.objects.count() == 0


def test_the_payment_page_shows_the_qr_and_turns_paid(shop: Shop):
    payment = payment_start(order(shop))
    browser = Client()
    browser.force_login(shop.payer)

    open_page = browser.get(f"/payments/{payment.reference}/")
    Client().post(f"/payments/sandbox/{payment.reference}/", {"action": "pay"})
    fragment = browser.get(f"/payments/{payment.reference}/", headers={"HX-Request": "true"})
    receipt = browser.get(f"/payments/{payment.reference}/receipt.pdf")

    assert open_page.status_code == 200
    html = open_page.content.decode()
    assert 'class="qr-code"' in html
    assert "Rp 50,350" in html
    assert 'hx-trigger="live:payment.updated from:body' in html
    assert "Payment received." in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    assert (receipt.status_code, receipt["Content-Type"]) == (200, "application/pdf")


def test_another_customer_cannot_open_the_payment_page(shop: Shop):
    payment = payment_start(order(shop))
    other = UserFactory(email="other@shop.test")
    MembershipFactory(user=other, tenant=shop.tenant, role="customer")
    browser = Client()
    browser.force_login(other)

    assert browser.get(f"/payments/{payment.reference}/").status_code == 404
    assert browser.get(f"/payments/{payment.reference}/receipt.pdf").status_code == 404


def test_the_sandbox_page_refuses_an_unknown_outcome_and_changes_nothing(shop: Shop):
    payment = payment_start(order(shop))

    response = Client().post(f"/payments/sandbox/{payment.reference}/", {"action": "steal"})

    assert response.status_code == 422
    payment.refresh_from_db()
    assert payment.state == State.PENDING
    assert fulfilments(payment) == 0


def test_metrics_count_settlements_by_gateway(shop: Shop):
    def settled() -> float:
        for line in exposition().decode().splitlines():
            if line.startswith('platform_payments_total{gateway="sandbox",state="settled"}'):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before = settled()
    _paid(shop)

    assert settled() == before + 1
    assert 'platform_payment_settle_seconds_count{gateway="sandbox"}' in exposition().decode()


def test_the_reconciliation_command_prints_mismatches_as_csv(shop: Shop):
    payment = payment_start(order(shop))
    Payment.objects.filter(pk=payment.pk).update(state=State.SETTLED)
    out = StringIO()
    day = timezone.now().date()

    call_command(
        "payments_reconcile",
        "--report",
        "--from",
        str(day - timedelta(days=1)),
        "--to",
        str(day + timedelta(days=1)),
        stdout=out,
    )

    lines = out.getvalue().splitlines()
    assert (
        lines[0]
        == "reference,kind,gateway,state,expected_minor,ledger_minor,gateway_status,detail,at"
    )
    assert lines[1].startswith(f"{payment.reference},ledger_differs,sandbox,settled,50000,0,")
    assert len(lines) == 2
