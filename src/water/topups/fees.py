"""What a water top-up may be, and what each payment method costs the payer on top.

The meter is credited with the chosen amount; the payer pays the amount plus the method's fee,
and sees that fee before paying. Amounts are whole Rupiah.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DENOMINATIONS_IDR: tuple[int, ...] = (10_000, 25_000, 50_000, 100_000, 250_000, 500_000)
MIN_IDR = 10_000
MAX_IDR = 5_000_000
BASIS_POINTS = 10_000  # 70 basis points = 0.7 %


@dataclass(frozen=True)
class MethodFee:
    """A payment method a top-up may use: its label, fee rule and how long it stays payable."""

    method: str
    label: str | Promise
    flat_idr: int = 0
    rate_bp: int = 0  # a share of the amount, in basis points, rounded up to the Rupiah
    expires_minutes: int = 60
    kind: str = "hosted"  # qris, va, bill or hosted: how the payer pays

    def fee_for(self, amount_idr: int) -> int:
        """The payer's fee on `amount_idr`: the flat part plus the rate, rounded up."""
        return self.flat_idr + -(-amount_idr * self.rate_bp // BASIS_POINTS)


_VA_DAY = 24 * 60

# In the order the page offers them: instant and cheapest first.
METHODS: dict[str, MethodFee] = {
    fee.method: fee
    for fee in (
        MethodFee("qris", _("QRIS"), rate_bp=70, expires_minutes=60, kind="qris"),
        MethodFee("va_bca", _("BCA virtual account"), 4_000, 0, _VA_DAY, "va"),
        MethodFee("va_bni", _("BNI virtual account"), 4_000, 0, _VA_DAY, "va"),
        MethodFee("va_bri", _("BRI virtual account"), 4_000, 0, _VA_DAY, "va"),
        MethodFee("va_mandiri", _("Mandiri virtual account"), 4_000, 0, _VA_DAY, "va"),
        MethodFee("va_permata", _("Permata virtual account"), 4_000, 0, _VA_DAY, "va"),
        MethodFee("echannel", _("Mandiri bill"), 4_000, 0, _VA_DAY, "bill"),
        MethodFee("snap", _("Card or e-wallet (Snap)"), 5_000, 0, 60, "hosted"),
        MethodFee("checkout", _("Card or e-wallet (DOKU Checkout)"), 5_000, 0, 60, "hosted"),
    )
}


def method_fee(method: str) -> MethodFee | None:
    """The fee rule of `method`, or None when top-ups do not offer it."""
    return METHODS.get(method)


def fee_for(method: str, amount_idr: int) -> int:
    """The payer's fee for paying `amount_idr` with `method` (KeyError if not offered)."""
    return METHODS[method].fee_for(amount_idr)
