"""Pure block pricing: exact Rupiah for a month-to-date volume, no floats.

A block prices the litres that fall inside it at `price_per_m3_idr / 1000` per litre, so
the exact price of a volume is a Fraction. Money is rounded once, half up, on the month's
cumulative price; a reading is charged the difference between the rounded price after it and
the rounded price before it. The charges of a month's readings therefore always sum to the
rounded price of the month's volume, whatever the split (no rounding drift), and a reading
that crosses a block boundary is priced piecewise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

LITRES_PER_M3 = 1000


class BlockLike(Protocol):
    """Anything with a block's three fields (a TariffBlock row or a PriceBlock)."""

    @property
    def from_litres(self) -> int: ...
    @property
    def to_litres(self) -> int | None: ...
    @property
    def price_per_m3_idr(self) -> int: ...


@dataclass(frozen=True)
class PriceBlock:
    """One block of a tariff, detached from the database."""

    from_litres: int
    to_litres: int | None
    price_per_m3_idr: int


@dataclass(frozen=True)
class BlockCharge:
    """The litres of a volume that fall in one block and their exact price."""

    from_litres: int
    to_litres: int | None
    price_per_m3_idr: int
    litres: int
    amount: Fraction


def round_half_up(value: Fraction) -> int:
    """Round a non-negative exact amount to whole Rupiah, halves up."""
    if value < 0:
        raise ValueError("Prices are never negative.")
    return int((value + Fraction(1, 2)).__floor__())


def volume_breakdown(blocks: Sequence[BlockLike], litres: int) -> list[BlockCharge]:
    """Split `litres` of month-to-date volume over the blocks, with each block's exact price."""
    if litres < 0:
        raise ValueError("A volume is never negative.")
    parts: list[BlockCharge] = []
    for block in sorted(blocks, key=lambda b: b.from_litres):
        if litres <= block.from_litres:
            break
        top = litres if block.to_litres is None else min(litres, block.to_litres)
        inside = top - block.from_litres
        parts.append(
            BlockCharge(
                from_litres=block.from_litres,
                to_litres=block.to_litres,
                price_per_m3_idr=block.price_per_m3_idr,
                litres=inside,
                amount=Fraction(inside * block.price_per_m3_idr, LITRES_PER_M3),
            )
        )
    return parts


def volume_price(blocks: Sequence[BlockLike], litres: int) -> Fraction:
    """The exact (unrounded) price of `litres` counted from the start of the month."""
    return sum((part.amount for part in volume_breakdown(blocks, litres)), Fraction(0))


def month_price(blocks: Sequence[BlockLike], litres: int) -> int:
    """The month's consumption charge for `litres`, rounded half up to whole Rupiah."""
    return round_half_up(volume_price(blocks, litres))


def month_charge_delta(blocks: Sequence[BlockLike], before_litres: int, after_litres: int) -> int:
    """What a reading that lifts the month's volume from `before` to `after` litres costs."""
    if after_litres < before_litres:
        raise ValueError("The month's volume never decreases.")
    return month_price(blocks, after_litres) - month_price(blocks, before_litres)


def blocks_validate(blocks: Sequence[BlockLike]) -> list[str]:
    """Problems with a block list (empty when valid): starts at 0, contiguous, one open end."""
    problems: list[str] = []
    if not blocks:
        return ["A tariff needs at least one block."]
    ordered = list(blocks)
    if ordered[0].from_litres != 0:
        problems.append("The first block must start at 0 litres.")
    for index, block in enumerate(ordered):
        last = index == len(ordered) - 1
        if block.price_per_m3_idr <= 0:
            problems.append(f"Block {index + 1}: the price must be above 0.")
        if block.to_litres is None and not last:
            problems.append(f"Block {index + 1}: only the last block may be open-ended.")
        if block.to_litres is not None and block.to_litres <= block.from_litres:
            problems.append(f"Block {index + 1}: it must end after it starts.")
        if last and block.to_litres is not None:
            problems.append("The last block must be open-ended.")
        if index > 0 and ordered[index - 1].to_litres != block.from_litres:
            problems.append(f"Block {index + 1}: it must start where the previous block ends.")
    return problems
