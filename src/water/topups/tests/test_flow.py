"""A top-up paid end to end through the sandbox gateway: the credit, the valve, the payer told."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from core.notifications.models import Notification
from core.payments.models import Payment, State
from tests.factories import MembershipFactory, UserFactory
from water.billing.models import LedgerEntry, PrepaidAccount
from water.billing.services import readings_apply
from water.billing.tests.factories import billable, series
from water.meters.models import ValveState
from water.topups.services import topup_start
from water.valves.models import CommandKind, ValveCommand


@pytest.mark.django_db(transaction=True)
def test_a_paid_qris_topup_credits_the_amount_once_opens_the_valve_and_tells_the_payer():
    # given a customer whose credit ran out: the meter is at -Rp 10,000 and told to close
    world = billable()
    payer = UserFactory(email="sari@example.id", language="en")
    MembershipFactory(user=payer, tenant=world.tenant, role="customer")
    world.meter.customer.user = payer
    world.meter.customer.save(update_fields=["user"])
    readings_apply(meter=world.meter, readings=series([0, 2_000]), source="mqtt")
    world.meter.valve_state = ValveState.CLOSED
    world.meter.save(update_fields=["valve_state"])
    assert PrepaidAccount.objects.get(meter=world.meter).balance_idr == -10_000
    commands_before = ValveCommand.objects.filter(meter=world.meter).count()

    # when they start a Rp 50,000 QRIS top-up and the sandbox bank pays it
    payment = topup_start(
        actor=payer, meter=world.meter, amount_idr=50_000, gateway="sandbox", method="qris"
    )
    assert payment.total_minor == 50_350
    response = HttpClient().post(f"/payments/sandbox/{payment.reference}/", {"action": "pay"})
    assert response.status_code == 302

    # then the payment is settled and the meter got exactly the amount, not the fee
    payment.refresh_from_db()
    assert payment.state == State.SETTLED
    assert PrepaidAccount.objects.get(meter=world.meter).balance_idr == 40_000
    entries = LedgerEntry.objects.filter(idempotency_key__startswith=f"payment:{payment.reference}")
    assert [(e.idempotency_key, e.kind, e.amount_idr) for e in entries] == [
        (f"payment:{payment.reference}", "topup", 50_000)
    ]
    # and the closed valve is told to open
    commands = ValveCommand.objects.filter(meter=world.meter).order_by("id")
    assert commands.count() == commands_before + 1
    assert commands.last().kind == CommandKind.OPEN
    # and the payer is told, once, with the total they paid
    told = Notification.objects.get(user=payer, event="payment.settled")
    assert told.link == f"/payments/{payment.reference}/"
    assert "Rp 50,350" in told.title
    assert payment.reference in told.body

    # and a second press of Pay changes nothing
    HttpClient().post(f"/payments/sandbox/{payment.reference}/", {"action": "pay"})
    assert PrepaidAccount.objects.get(meter=world.meter).balance_idr == 40_000
    assert Payment.objects.get(pk=payment.pk).state == State.SETTLED
    assert Notification.objects.filter(user=payer, event="payment.settled").count() == 1
