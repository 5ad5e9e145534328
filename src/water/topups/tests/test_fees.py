"""Fees the payer pays on top of the credit, per method."""

from __future__ import annotations

import pytest

from water.topups import fees


@pytest.mark.parametrize(
    ("method", "amount", "fee"),
    [
        ("qris", 50_000, 350),
        ("qris", 10_001, 71),  # 70.007 rounds up
        ("qris", 10_000, 70),
        ("qris", 5_000_000, 35_000),
        ("va_bca", 50_000, 4_000),
        ("va_bni", 10_000, 4_000),
        ("va_bri", 250_000, 4_000),
        ("va_permata", 500_000, 4_000),
        ("va_mandiri", 100_000, 4_000),
        ("echannel", 100_000, 4_000),
        ("snap", 25_000, 5_000),
        ("checkout", 25_000, 5_000),
    ],
)
def test_the_fee_of_each_method(method, amount, fee):
    assert fees.fee_for(method, amount) == fee


def test_the_amounts_on_offer():
    assert fees.DENOMINATIONS_IDR == (10_000, 25_000, 50_000, 100_000, 250_000, 500_000)
    assert (fees.MIN_IDR, fees.MAX_IDR) == (10_000, 5_000_000)


def test_how_long_each_kind_of_method_stays_payable():
    minutes = {name: rule.expires_minutes for name, rule in fees.METHODS.items()}
    assert minutes == {
        "qris": 60,
        "va_bca": 1440,
        "va_bni": 1440,
        "va_bri": 1440,
        "va_mandiri": 1440,
        "va_permata": 1440,
        "echannel": 1440,
        "snap": 60,
        "checkout": 60,
    }


def test_a_method_top_ups_do_not_offer_has_no_fee_rule():
    assert fees.method_fee("card") is None
    with pytest.raises(KeyError):
        fees.fee_for("bitcoin", 50_000)
