"""A paid top-up credits the meter's prepaid account; a refund takes the credit back.

Ledger keys tie each entry to its payment: ``payment:<reference>`` for the credit and
``payment:<reference>:refund:<refund id>`` for each reversal, so a retried fulfilment moves
nothing and reconciliation can sum what a payment put on the ledger.
"""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _

from core.payments.models import Payment, Refund
from core.payments.purposes import Purpose
from water.billing.models import EntryKind, LedgerEntry
from water.billing.services import account_credit
from water.meters.models import Meter


def credit_key(payment: Payment) -> str:
    return f"payment:{payment.reference}"


def refund_key(payment: Payment, refund: Refund) -> str:
    return f"payment:{payment.reference}:refund:{refund.pk}"


class WaterTopup(Purpose):
    """Prepaid water credit for one meter; `purpose_ref` is the meter id."""

    name = "water.topup"
    reference_prefix = "IW"

    def _meter(self, payment: Payment) -> Meter:
        return Meter.objects.get(pk=int(payment.purpose_ref), tenant_id=payment.tenant_id)

    def fulfil(self, payment: Payment) -> None:
        memo = payment.memo or f"{payment.gateway} {payment.reference}"
        account_credit(
            meter=self._meter(payment),
            amount_idr=payment.amount_minor,
            kind=EntryKind.TOPUP,
            idempotency_key=credit_key(payment),
            actor=payment.actor,
            memo=memo,
        )

    def reverse(self, payment: Payment, refund: Refund, amount_minor: int) -> None:
        account_credit(
            meter=self._meter(payment),
            amount_idr=-amount_minor,
            kind=EntryKind.REFUND,
            idempotency_key=refund_key(payment, refund),
            actor=refund.actor,
            memo=f"{payment.reference}: {refund.reason}"[:200],
        )

    def fulfilled_minor(self, payment: Payment) -> int:
        return self.fulfilled_many([payment]).get(payment.pk, 0)

    def fulfilled_many(self, payments: list[Payment]) -> dict[int, int]:
        keys: dict[str, int] = {credit_key(p): p.pk for p in payments}
        for refund in Refund.objects.filter(payment__in=payments).select_related("payment"):
            keys[refund_key(refund.payment, refund)] = refund.payment_id
        totals = {p.pk: 0 for p in payments}
        rows = (
            LedgerEntry.objects.filter(idempotency_key__in=list(keys))
            .values("idempotency_key")
            .annotate(total=Sum("amount_idr"))
        )
        for row in rows:
            totals[keys[str(row["idempotency_key"])]] += int(row["total"])
        return totals

    def label(self, payment: Payment) -> str:
        serial = Meter.objects.filter(pk=int(payment.purpose_ref)).values_list("serial", flat=True)
        return _("Water credit for meter %(serial)s") % {"serial": serial.first() or "?"}

    def page_url(self, payment: Payment) -> str:
        return f"/water/topup/?meter={payment.purpose_ref}"
