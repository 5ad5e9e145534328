"""Volumes as customers read them: cubic metres with one to three decimals."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format


def cubic_metres(litres: int) -> str:
    """Litres as m³ with one to three decimals, in the active language's format."""
    value = (Decimal(litres) / 1000).quantize(Decimal("0.001"))
    decimals = 3
    while decimals > 1 and value == value.quantize(Decimal(1).scaleb(-(decimals - 1))):
        decimals -= 1
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)
