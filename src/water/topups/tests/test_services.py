"""Top-up services: options per configured gateway, starting a payment, cash at the counter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.audit import actions
from core.audit.models import AuditEvent
from core.errors import NotFound
from core.payments.errors import PaymentConflict, PaymentInvalid
from core.payments.models import Payment, State
from water.billing.models import LedgerEntry, PrepaidAccount
from water.topups.services import cash_topup_record, topup_options_for, topup_start
from water.topups.tests.factories import gateway_account, household

pytestmark = pytest.mark.django_db

SANDBOX = [
    ("sandbox", "qris", 0, 70),
    ("sandbox", "va_bca", 4_000, 0),
    ("sandbox", "va_bni", 4_000, 0),
    ("sandbox", "va_bri", 4_000, 0),
    ("sandbox", "va_permata", 4_000, 0),
    ("sandbox", "echannel", 4_000, 0),
    ("sandbox", "snap", 5_000, 0),
]


def _methods(options):
    return [(m.gateway, m.method, m.fee_flat_idr, m.fee_rate_bp) for m in options.methods]


def test_without_gateway_accounts_only_the_sandbox_is_offered():
    home = household()
    options = topup_options_for(actor=home.customer, meter=home.meter)
    assert _methods(options) == SANDBOX
    assert [m.label for m in options.methods][:2] == ["QRIS", "BCA virtual account"]
    assert options.denominations_idr == (10_000, 25_000, 50_000, 100_000, 250_000, 500_000)
    assert (options.meter_id, options.currency) == (home.meter.pk, "IDR")
    assert (options.min_idr, options.max_idr) == (10_000, 5_000_000)


def test_configured_gateways_come_first_and_another_tenants_account_is_not_used():
    home = household()
    gateway_account("midtrans", home.tenant, server_key="SB-1", client_key="C-1")
    other = household("pdam-bogor")
    gateway_account("doku", other.tenant, client_id="BRN-1", secret_key="s")
    options = topup_options_for(actor=home.customer, meter=home.meter)
    assert _methods(options)[:8] == [
        ("midtrans", "qris", 0, 70),
        ("midtrans", "va_bca", 4_000, 0),
        ("midtrans", "va_bni", 4_000, 0),
        ("midtrans", "va_bri", 4_000, 0),
        ("midtrans", "va_permata", 4_000, 0),
        ("midtrans", "echannel", 4_000, 0),
        ("midtrans", "snap", 5_000, 0),
        ("sandbox", "qris", 0, 70),
    ]
    assert len(options.methods) == 14


def test_a_platform_doku_account_offers_its_checkout_and_mandiri_va():
    home = household()
    gateway_account("doku", None, client_id="BRN-1", secret_key="s")
    options = topup_options_for(actor=home.customer, meter=home.meter)
    doku = [
        (m.method, m.fee_flat_idr, m.fee_rate_bp) for m in options.methods if m.gateway == "doku"
    ]
    assert doku == [
        ("qris", 0, 70),
        ("va_bca", 4_000, 0),
        ("va_bni", 4_000, 0),
        ("va_bri", 4_000, 0),
        ("va_mandiri", 4_000, 0),
        ("va_permata", 4_000, 0),
        ("checkout", 5_000, 0),
    ]


def test_a_qris_topup_charges_the_fee_on_top_and_credits_nothing_yet():
    home = household(serial="IW-BDG-000123")
    payment = topup_start(
        actor=home.customer, meter=home.meter, amount_idr=50_000, gateway="sandbox", method="qris"
    )
    assert (payment.amount_minor, payment.fee_minor, payment.total_minor) == (50_000, 350, 50_350)
    assert (payment.state, payment.gateway, payment.method) == (State.PENDING, "sandbox", "qris")
    assert (payment.purpose, payment.purpose_ref) == ("water.topup", str(home.meter.pk))
    assert (payment.payer_id, payment.tenant_id) == (home.customer.pk, home.tenant.pk)
    assert payment.description == "Water credit IW-BDG-000123"
    assert payment.reference.startswith("IW-")
    assert payment.checkout["qr_string"].endswith(f"/payments/sandbox/{payment.reference}/")
    assert payment.expires_at - payment.created_at == pytest.approx(
        timedelta(minutes=60), abs=timedelta(seconds=5)
    )
    assert not PrepaidAccount.objects.filter(meter=home.meter).exists()


def test_a_virtual_account_stays_payable_for_a_day_and_costs_rp_4000():
    home = household()
    payment = topup_start(
        actor=home.customer,
        meter=home.meter,
        amount_idr=100_000,
        gateway="sandbox",
        method="va_bca",
    )
    assert (payment.fee_minor, payment.total_minor) == (4_000, 104_000)
    assert payment.checkout["va_bank"] == "bca"
    assert payment.expires_at - payment.created_at == pytest.approx(
        timedelta(days=1), abs=timedelta(seconds=5)
    )


def test_a_qris_fee_is_rounded_up_to_the_rupiah():
    home = household()
    payment = topup_start(
        actor=home.customer, meter=home.meter, amount_idr=10_001, gateway="sandbox", method="qris"
    )
    assert (payment.fee_minor, payment.total_minor) == (71, 10_072)


@pytest.mark.parametrize("amount", [9_999, 5_000_001, 0, -10_000])
def test_an_amount_outside_the_range_is_refused_and_nothing_is_stored(amount):
    home = household()
    with pytest.raises(PaymentInvalid) as refused:
        topup_start(
            actor=home.customer,
            meter=home.meter,
            amount_idr=amount,
            gateway="sandbox",
            method="qris",
        )
    assert (refused.value.code, refused.value.extra["field"]) == ("payment_invalid", "amount_idr")
    assert Payment.objects.count() == 0


def test_the_limits_themselves_are_accepted():
    home = household()
    for amount in (10_000, 5_000_000):
        topup_start(
            actor=home.customer,
            meter=home.meter,
            amount_idr=amount,
            gateway="sandbox",
            method="qris",
        )
    assert sorted(Payment.objects.values_list("amount_minor", flat=True)) == [10_000, 5_000_000]


@pytest.mark.parametrize(
    ("gateway", "method"),
    [("sandbox", "card"), ("sandbox", "bitcoin"), ("midtrans", "qris"), ("nope", "qris")],
)
def test_a_method_not_offered_is_refused_and_nothing_is_stored(gateway, method):
    home = household()
    with pytest.raises(PaymentInvalid) as refused:
        topup_start(
            actor=home.customer, meter=home.meter, amount_idr=50_000, gateway=gateway, method=method
        )
    assert (refused.value.code, refused.value.extra["field"]) == ("payment_invalid", "method")
    assert Payment.objects.count() == 0


def test_someone_elses_meter_is_not_found_and_nothing_is_stored():
    home, neighbour = household(), household("pdam-bogor")
    with pytest.raises(NotFound):
        topup_start(
            actor=home.customer,
            meter=neighbour.meter,
            amount_idr=50_000,
            gateway="sandbox",
            method="qris",
        )
    with pytest.raises(NotFound):
        topup_options_for(actor=home.customer, meter=neighbour.meter)
    assert Payment.objects.count() == 0


def test_the_same_idempotency_key_twice_starts_one_payment():
    home = household()
    args = {"amount_idr": 50_000, "gateway": "sandbox", "method": "qris"}
    first = topup_start(actor=home.customer, meter=home.meter, idempotency_key="tap-0001", **args)
    again = topup_start(actor=home.customer, meter=home.meter, idempotency_key="tap-0001", **args)
    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    with pytest.raises(PaymentConflict):
        topup_start(
            actor=home.customer,
            meter=home.meter,
            idempotency_key="tap-0001",
            **{**args, "amount_idr": 60_000},
        )
    assert Payment.objects.count() == 1


def test_cash_at_the_counter_is_a_settled_payment_credited_and_audited():
    home = household()
    payment = cash_topup_record(
        actor=home.world.operator,
        meter=home.meter,
        amount_idr=25_000,
        reason="cash at the counter",
        idempotency_key="loket:1",
    )
    assert (payment.state, payment.gateway, payment.method) == (State.SETTLED, "cash", "cash")
    assert (payment.payer_id, payment.actor_id) == (home.customer.pk, home.world.operator.pk)
    assert (payment.amount_minor, payment.fee_minor, payment.memo) == (
        25_000,
        0,
        "cash at the counter",
    )
    entry = LedgerEntry.objects.get(idempotency_key=f"payment:{payment.reference}")
    assert (entry.kind, entry.amount_idr, entry.balance_after_idr) == ("topup", 25_000, 25_000)
    settled = AuditEvent.objects.get(action=actions.PAYMENT_STATE_CHANGED)
    assert settled.actor_id == home.world.operator.pk
    assert (settled.data["from"], settled.data["to"]) == ("created", "settled")
    again = cash_topup_record(
        actor=home.world.operator,
        meter=home.meter,
        amount_idr=25_000,
        reason="cash at the counter",
        idempotency_key="loket:1",
    )
    assert again.pk == payment.pk
    assert PrepaidAccount.objects.get(meter=home.meter).balance_idr == 25_000


def test_cash_for_a_meter_without_a_portal_account_has_no_payer():
    home = household()
    home.meter.customer.user = None
    home.meter.customer.save(update_fields=["user"])
    payment = cash_topup_record(
        actor=home.world.operator, meter=home.meter, amount_idr=10_000, reason="cash"
    )
    assert (payment.payer_id, payment.state) == (None, State.SETTLED)


@pytest.mark.parametrize(("amount", "reason"), [(50_000, ""), (50_000, "   "), (9_999, "cash")])
def test_cash_without_a_reason_or_under_rp_10000_is_refused_and_nothing_is_stored(amount, reason):
    home = household()
    with pytest.raises(PaymentInvalid) as refused:
        cash_topup_record(
            actor=home.world.operator, meter=home.meter, amount_idr=amount, reason=reason
        )
    assert refused.value.code == "payment_invalid"
    assert Payment.objects.count() == 0
    assert not PrepaidAccount.objects.filter(meter=home.meter).exists()
    assert not AuditEvent.objects.filter(action__startswith="payment.").exists()
