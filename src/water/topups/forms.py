"""The top-up form: what the payer chose, read the same way for the summary and for paying."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.notifications.rendering import money
from water.topups import fees
from water.topups.services import TopupMethod, TopupOptions

_SEPARATORS = re.compile(r"[\s.,]|^rp", re.IGNORECASE)


def rupiah(amount_idr: int) -> str:
    """Rp 50.000 in Indonesian, Rp 50,000 in English."""
    return money({"minor": amount_idr, "currency": "IDR"})


@dataclass
class TopupChoice:
    """The amount and method chosen, the fee and total they make, and what is wrong."""

    amount_idr: int | None = None
    amount_value: str = ""  # the checked denomination, "" when a custom amount is used
    custom_amount: str = ""
    method: TopupMethod | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def fee_idr(self) -> int | None:
        if self.amount_idr is None or self.method is None or "amount" in self.errors:
            return None
        return self.method.fee_for(self.amount_idr)

    @property
    def total_idr(self) -> int | None:
        fee = self.fee_idr
        return None if fee is None or self.amount_idr is None else self.amount_idr + fee


def _amount(data: Mapping[str, str], choice: TopupChoice) -> None:
    custom = data.get("custom_amount", "").strip()[:20]
    choice.custom_amount = custom
    raw = _SEPARATORS.sub("", custom) if custom else data.get("amount", "").strip()
    choice.amount_value = "" if custom else raw
    if not raw:
        choice.errors["amount"] = _("Choose an amount or enter your own.")
        return
    if not raw.isdigit() or len(raw) > 12:
        choice.errors["amount"] = _("Enter the amount in whole Rupiah, for example 75000.")
        return
    choice.amount_idr = int(raw)
    if not fees.MIN_IDR <= choice.amount_idr <= fees.MAX_IDR:
        choice.errors["amount"] = _("A top-up is between %(min)s and %(max)s.") % {
            "min": rupiah(fees.MIN_IDR),
            "max": rupiah(fees.MAX_IDR),
        }


def topup_choice_read(data: Mapping[str, str], options: TopupOptions) -> TopupChoice:
    """Read the amount (a denomination or the custom field, which wins) and the method."""
    choice = TopupChoice()
    _amount(data, choice)
    value = data.get("method", "")
    choice.method = next((m for m in options.methods if m.value == value), None)
    if choice.method is None:
        choice.errors["method"] = (
            _("This payment method is not available. Choose another one.")
            if value
            else _("Choose how you want to pay.")
        )
    return choice
