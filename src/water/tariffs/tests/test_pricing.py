"""Block pricing: the worked example, piecewise pricing, additivity without drift."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from water.tariffs.pricing import (
    PriceBlock,
    blocks_validate,
    month_charge_delta,
    month_price,
    round_half_up,
    volume_breakdown,
    volume_price,
)
from water.tariffs.tests.factories import EXAMPLE_BLOCKS

BLOCKS = [PriceBlock(*b) for b in EXAMPLE_BLOCKS]
# Prices that do not divide evenly per litre, to exercise rounding.
ODD = [
    PriceBlock(0, 7_333, 4_111),
    PriceBlock(7_333, 15_001, 5_987),
    PriceBlock(15_001, None, 9_999),
]


@pytest.mark.parametrize(
    ("litres", "expected"),
    [
        (0, 0),
        (1, 5),
        (10_000, 50_000),
        (15_000, 80_000),
        (20_000, 110_000),
        (25_000, 145_000),  # 50,000 + 60,000 + 35,000
        (100_000, 670_000),
    ],
)
def test_the_worked_example_prices_exactly(litres, expected):
    assert month_price(BLOCKS, litres) == expected


def test_the_breakdown_names_each_block_used():
    parts = volume_breakdown(BLOCKS, 25_000)
    assert [(p.from_litres, p.litres, p.amount) for p in parts] == [
        (0, 10_000, Fraction(50_000)),
        (10_000, 10_000, Fraction(60_000)),
        (20_000, 5_000, Fraction(35_000)),
    ]


def test_rounding_is_half_up_on_the_month_total():
    # 1 litre at Rp 4,111 / m³ is Rp 4.111; 1 litre at Rp 4,500 / m³ is exactly 4.5
    assert month_price(ODD, 1) == 4
    assert round_half_up(Fraction(9, 2)) == 5
    assert round_half_up(Fraction(7, 2)) == 4
    assert round_half_up(Fraction(349, 100)) == 3


def test_a_reading_crossing_a_boundary_is_priced_piecewise():
    # 8 m³ → 12 m³: 2 m³ at 5,000 and 2 m³ at 6,000
    assert month_charge_delta(BLOCKS, 8_000, 12_000) == 10_000 + 12_000


@given(st.lists(st.integers(min_value=0, max_value=9_000), max_size=30))
def test_charges_of_any_split_sum_to_the_month_price(deltas):
    for blocks in (BLOCKS, ODD):
        total, charged = 0, 0
        for delta in deltas:
            charged += month_charge_delta(blocks, total, total + delta)
            total += delta
        assert charged == month_price(blocks, total)


@given(st.integers(min_value=0, max_value=200_000), st.integers(min_value=0, max_value=5_000))
def test_price_never_decreases_with_volume(litres, more):
    for blocks in (BLOCKS, ODD):
        assert month_price(blocks, litres + more) >= month_price(blocks, litres)
        assert month_charge_delta(blocks, litres, litres + more) >= 0


@given(st.integers(min_value=0, max_value=200_000))
def test_piecewise_price_equals_the_manual_sum(litres):
    manual = Fraction(0)
    for block in ODD:
        top = litres if block.to_litres is None else min(litres, block.to_litres)
        manual += Fraction(max(0, top - block.from_litres) * block.price_per_m3_idr, 1000)
    assert volume_price(ODD, litres) == manual


def test_valid_blocks_have_no_problems():
    assert blocks_validate(BLOCKS) == []


@pytest.mark.parametrize(
    ("blocks", "problem"),
    [
        ([], "A tariff needs at least one block."),
        ([PriceBlock(100, None, 5_000)], "The first block must start at 0 litres."),
        (
            [PriceBlock(0, 10, 5_000), PriceBlock(20, None, 6_000)],
            "Block 2: it must start where the previous block ends.",
        ),
        (
            [PriceBlock(0, None, 5_000), PriceBlock(10, None, 6_000)],
            "Block 1: only the last block may be open-ended.",
        ),
        ([PriceBlock(0, 10, 5_000)], "The last block must be open-ended."),
        ([PriceBlock(0, None, 0)], "Block 1: the price must be above 0."),
    ],
)
def test_invalid_blocks_are_named(blocks, problem):
    assert problem in blocks_validate(blocks)


def test_negative_volumes_are_refused():
    with pytest.raises(ValueError, match="never negative"):
        volume_price(BLOCKS, -1)
    with pytest.raises(ValueError, match="never decreases"):
        month_charge_delta(BLOCKS, 10, 5)
