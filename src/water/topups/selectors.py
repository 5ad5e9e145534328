"""Reads of top-ups: a customer's meters with their balances, and the top-up payments."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from core.accounts.models import User
from core.errors import NotFound
from core.payments.models import Payment
from water.billing.models import PrepaidAccount
from water.meters.models import Meter
from water.registry.models import Client

PURPOSE = "water.topup"


@dataclass(frozen=True)
class MeterCard:
    """One of the customer's meters as the top-up page shows it."""

    meter: Meter
    balance_idr: int
    low_balance_threshold_idr: int

    @property
    def is_low(self) -> bool:
        return self.balance_idr < self.low_balance_threshold_idr

    @property
    def is_exhausted(self) -> bool:
        return self.balance_idr <= 0


def customer_meters_for(*, actor: User) -> list[MeterCard]:
    """The actor's own meters with balance and address (three queries however many)."""
    meters = list(
        Meter.objects.filter(customer__user=actor)
        .select_related("property", "tenant")
        .order_by("serial")
    )
    balances = dict(
        PrepaidAccount.objects.filter(meter__in=meters).values_list("meter_id", "balance_idr")
    )
    thresholds = dict(
        Client.objects.filter(tenant_id__in={m.tenant_id for m in meters}).values_list(
            "tenant_id", "low_balance_threshold_idr"
        )
    )
    return [
        MeterCard(
            meter=m,
            balance_idr=balances.get(m.pk, 0),
            low_balance_threshold_idr=thresholds.get(m.tenant_id, 0),
        )
        for m in meters
    ]


def customer_meter_card_for(*, actor: User, meter_id: int) -> MeterCard:
    """One of the actor's meters as a card; anyone else's answers NotFound."""
    for card in customer_meters_for(actor=actor):
        if card.meter.pk == meter_id:
            return card
    raise NotFound("Meter not found.")


def topup_list_mine(*, actor: User) -> QuerySet[Payment]:
    """The actor's own top-up payments, newest first."""
    return Payment.objects.filter(payer=actor, purpose=PURPOSE).order_by("-created_at", "-id")


def topup_list_for_meter(*, actor: User, meter: Meter) -> QuerySet[Payment]:
    """The actor's top-ups of one meter, newest first."""
    return topup_list_mine(actor=actor).filter(tenant_id=meter.tenant_id, purpose_ref=str(meter.pk))
