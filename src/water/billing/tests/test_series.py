"""series_steps: deltas in time order, rollover unwrapped, reverse flow never charged twice."""

from __future__ import annotations

from water.billing.services.series import REVERSE_FLOW, ROLLOVER, Step, series_steps


def test_increasing_registers_charge_their_deltas():
    assert series_steps([100, 150, 150, 400], 1_000_000) == [
        Step(50, ()),
        Step(0, ()),
        Step(250, ()),
    ]


def test_a_wrap_past_the_register_maximum_is_unwrapped_and_flagged():
    # given a register that counts to 999,999 and wraps to 0
    steps = series_steps([999_900, 50], 1_000_000)
    # then 100 litres to the top plus 50 after the wrap
    assert steps == [Step(150, (ROLLOVER,))]


def test_a_small_decrease_is_reverse_flow_and_not_charged():
    steps = series_steps([5_000, 4_900], 1_000_000)
    assert steps == [Step(0, (REVERSE_FLOW,))]


def test_water_that_flowed_back_is_not_charged_again_when_it_flows_forward():
    # given 100 litres back, then 100 forward again, then 30 new litres
    steps = series_steps([5_000, 4_900, 5_000, 5_030], 1_000_000)
    # then only the 30 new litres are charged: total = highest - first
    assert [s.consumption_litres for s in steps] == [0, 0, 30]


def test_a_decrease_of_exactly_half_the_range_is_reverse_flow():
    assert series_steps([600, 100], 1_000) == [Step(0, (REVERSE_FLOW,))]
    assert series_steps([601, 100], 1_000) == [Step(499, (ROLLOVER,))]


def test_a_single_reading_has_no_steps():
    assert series_steps([42], 1_000) == []
