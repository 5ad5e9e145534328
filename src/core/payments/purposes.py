"""What a payment is for, and what happens when it is paid or refunded.

Products register a `Purpose` per kind of payment (``water.topup``, ``roadside.job``). The
payments services call `fulfil` inside the transaction that first moves a payment to SETTLED
and `reverse` inside the one that records a refund, so the ledger and the payment never
disagree; `fulfilled_minor` lets reconciliation compare the two afterwards.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.payments.models import Payment, Refund


class Purpose(ABC):
    """Base class: products subclass it and `register()` an instance."""

    name: str = ""
    reference_prefix: str = "PY"  # two letters starting every reference, e.g. IW, RS

    @abstractmethod
    def fulfil(self, payment: Payment) -> None:
        """Deliver what was paid for (idempotent: keyed on the payment reference)."""

    @abstractmethod
    def reverse(self, payment: Payment, refund: Refund, amount_minor: int) -> None:
        """Take back `amount_minor` of what was delivered, for `refund` (idempotent)."""

    @abstractmethod
    def fulfilled_minor(self, payment: Payment) -> int:
        """How much of the payment the ledger shows as delivered, net of reversals."""

    def fulfilled_many(self, payments: list[Payment]) -> dict[int, int]:
        """`fulfilled_minor` for many payments at once, by payment id (override to batch)."""
        return {payment.pk: self.fulfilled_minor(payment) for payment in payments}

    def label(self, payment: Payment) -> str:
        """What the payer paid for, in the active language (receipts, notifications)."""
        return payment.description

    def page_url(self, payment: Payment) -> str:
        """Where the payer goes after paying (a path on this site)."""
        return "/"

    def staff_tenant_ids(self, payment: Payment) -> list[int]:
        """Tenants whose staff see this payment live (normally the payment's own)."""
        return [payment.tenant_id]


@dataclass
class _Registry:
    purposes: dict[str, Purpose]


_registry = _Registry({})


def register(purpose: Purpose) -> None:
    if not purpose.name:
        raise ValueError("A purpose needs a name.")
    _registry.purposes[purpose.name] = purpose


def purpose_get(name: str) -> Purpose:
    try:
        return _registry.purposes[name]
    except KeyError:
        raise LookupError(f"No payment purpose {name!r} is registered.") from None


def purposes_all() -> dict[str, Purpose]:
    return dict(_registry.purposes)
