"""Money in minor units: exact conversion to and from the strings gateways send and expect.

Rupiah has no minor unit (exponent 0); the Trinidad and Tobago dollar has cents (exponent 2).
Amounts are never floats: a gateway's "24145.00" is parsed as a Decimal and must be a whole
number of minor units, or it is refused.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

EXPONENT = {"IDR": 0, "TTD": 2, "USD": 2}
# ISO 4217 numeric codes, which First Atlantic Commerce / PowerTranz expect.
NUMERIC = {"IDR": "360", "TTD": "780", "USD": "840"}


class MoneyError(ValueError):
    """An amount that is not a whole number of minor units of a known currency."""


def exponent(currency: str) -> int:
    try:
        return EXPONENT[currency]
    except KeyError:
        raise MoneyError(f"Unknown currency {currency!r}.") from None


def to_minor(value: str | int | Decimal, currency: str) -> int:
    """'24145.00' IDR → 24145; '120.5' TTD → 12050; '120.505' TTD → MoneyError."""
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise MoneyError(f"{value!r} is not an amount.") from None
    if not amount.is_finite():
        raise MoneyError(f"{value!r} is not an amount.")
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{value!r} has more decimals than {currency} allows.")
    return int(scaled)


def to_major(minor: int, currency: str, *, places: int | None = None) -> str:
    """12050 TTD → '120.50'; 24145 IDR → '24145' (or '24145.00' with places=2)."""
    digits = exponent(currency) if places is None else places
    value = Decimal(int(minor)).scaleb(-exponent(currency))
    return f"{value:.{digits}f}"
