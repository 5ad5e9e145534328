"""account_credit: top-ups, idempotency, adjustments, refunds, and what a credit sets off."""

from __future__ import annotations

import pytest

from core.audit import actions
from core.audit.models import AuditEvent
from tests.factories import UserFactory
from water.billing import signals
from water.billing.models import LedgerEntry, PrepaidAccount
from water.billing.services import account_credit, readings_apply
from water.billing.tests.factories import billable, series
from water.errors import Conflict, ValidationFailed
from water.valves.models import Alert, AlertKind, AlertStatus, CommandKind, ValveCommand

pytestmark = pytest.mark.django_db


def _balance(meter) -> int:
    return PrepaidAccount.objects.get(meter=meter).balance_idr


def test_a_topup_appends_an_entry_and_moves_the_balance():
    world = billable()
    entry = account_credit(
        meter=world.meter, amount_idr=50_000, kind="topup", idempotency_key="midtrans:T-1"
    )
    assert (entry.kind, entry.amount_idr, entry.balance_after_idr) == ("topup", 50_000, 50_000)
    assert entry.idempotency_key == "midtrans:T-1"
    assert _balance(world.meter) == 50_000


def test_a_repeated_key_returns_the_same_entry_and_moves_nothing():
    world = billable()
    first = account_credit(
        meter=world.meter, amount_idr=50_000, kind="topup", idempotency_key="doku:9"
    )
    again = account_credit(
        meter=world.meter, amount_idr=50_000, kind="topup", idempotency_key="doku:9"
    )
    assert again.pk == first.pk
    assert _balance(world.meter) == 50_000
    assert LedgerEntry.objects.filter(account__meter=world.meter).count() == 1


def test_a_key_used_for_another_meter_is_a_conflict():
    first, second = billable(), billable()
    account_credit(meter=first.meter, amount_idr=20_000, kind="topup", idempotency_key="g:1")
    with pytest.raises(Conflict):
        account_credit(meter=second.meter, amount_idr=20_000, kind="topup", idempotency_key="g:1")
    assert not PrepaidAccount.objects.filter(meter=second.meter).exists()


def test_a_staff_topup_is_audited_with_its_reason():
    world = billable()
    clerk = UserFactory()
    entry = account_credit(
        meter=world.meter,
        amount_idr=25_000,
        kind="topup",
        idempotency_key=None,
        actor=clerk,
        memo="cash at the counter",
    )
    event = AuditEvent.objects.get(action=actions.MONEY_MOVED, target_id=str(entry.pk))
    assert event.actor_id == clerk.pk
    assert event.tenant_id == world.tenant.pk
    assert event.data["amount_idr"] == 25_000
    assert event.data["memo"] == "cash at the counter"
    assert entry.actor_id == clerk.pk


@pytest.mark.parametrize(
    ("kind", "amount", "memo"),
    [
        ("topup", 0, "x"),
        ("topup", -5, "x"),
        ("refund", 5_000, "x"),
        ("adjustment", 0, "x"),
        ("consumption", 5_000, "x"),
        ("topup", 5_000, "   "),
    ],
)
def test_invalid_credits_are_refused_and_change_nothing(kind, amount, memo):
    world = billable()
    with pytest.raises(ValidationFailed):
        account_credit(
            meter=world.meter,
            amount_idr=amount,
            kind=kind,
            idempotency_key=None,
            actor=UserFactory(),
            memo=memo,
        )
    assert not LedgerEntry.objects.exists()
    assert not PrepaidAccount.objects.filter(meter=world.meter).exists()


def test_adjustments_go_both_ways_and_refunds_take_money_out():
    world = billable()
    account_credit(meter=world.meter, amount_idr=40_000, kind="topup", idempotency_key="k:1")
    account_credit(meter=world.meter, amount_idr=-3_000, kind="adjustment", idempotency_key=None)
    account_credit(meter=world.meter, amount_idr=2_000, kind="adjustment", idempotency_key=None)
    account_credit(meter=world.meter, amount_idr=-9_000, kind="refund", idempotency_key="r:1")
    kinds = list(
        LedgerEntry.objects.order_by("id").values_list("kind", "amount_idr", "balance_after_idr")
    )
    assert kinds == [
        ("topup", 40_000, 40_000),
        ("adjustment", -3_000, 37_000),
        ("adjustment", 2_000, 39_000),
        ("refund", -9_000, 30_000),
    ]


def test_a_credit_that_restores_the_balance_opens_the_valve_and_resolves_alerts(
    django_capture_on_commit_callbacks,
):
    # given an exhausted account whose valve was told to close
    world = billable(low_balance_threshold_idr=10_000)
    readings_apply(meter=world.meter, readings=series([0, 2_000]), source="mqtt")
    assert _balance(world.meter) == -10_000
    received = []
    signals.credit_restored.connect(
        lambda **kw: received.append(kw["balance_idr"]), weak=False, dispatch_uid="t-restore"
    )
    try:
        # when a top-up lifts it to Rp 5,000 (still under the threshold)
        with django_capture_on_commit_callbacks(execute=True):
            account_credit(
                meter=world.meter, amount_idr=15_000, kind="topup", idempotency_key="k:2"
            )
    finally:
        signals.credit_restored.disconnect(dispatch_uid="t-restore")
    # then the valve opens, credit_restored is sent, the zero alert is resolved, low stays
    assert received == [5_000]
    latest = ValveCommand.objects.filter(meter=world.meter).order_by("-id").first()
    assert latest.kind == CommandKind.OPEN
    zero = Alert.objects.get(meter=world.meter, kind=AlertKind.ZERO_BALANCE)
    low = Alert.objects.get(meter=world.meter, kind=AlertKind.LOW_BALANCE)
    assert (zero.status, low.status) == (AlertStatus.RESOLVED, AlertStatus.OPEN)
    # and reaching the threshold resolves the low-balance alert
    account_credit(meter=world.meter, amount_idr=5_000, kind="topup", idempotency_key="k:3")
    low.refresh_from_db()
    assert low.status == AlertStatus.RESOLVED
    assert PrepaidAccount.objects.get(meter=world.meter).low_balance_alerted is False


def test_a_refund_that_exhausts_the_credit_closes_the_valve():
    world = billable()
    account_credit(meter=world.meter, amount_idr=20_000, kind="topup", idempotency_key="k:1")
    account_credit(meter=world.meter, amount_idr=-20_000, kind="refund", idempotency_key="r:1")
    pending = ValveCommand.objects.filter(meter=world.meter).order_by("-id").first()
    assert (pending.kind, pending.reason) == (CommandKind.CLOSE, "credit exhausted")
