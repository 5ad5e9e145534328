"""Pure consumption of a register series: rollover unwrapped, reverse flow never charged.

A meter's register is cumulative and wraps at `register_max_litres`. Between two consecutive
readings (in time order) the register moves by `cur - prev`; a decrease larger than half the
register range is a rollover (the real movement is `cur + max - prev`), a smaller decrease is
reverse flow. Reverse flow is not charged, and the water that flowed back is not charged again
when it flows forward: a reading is charged only what lifts the unwrapped register above the
highest value reached so far. The volume charged for a meter is therefore always
(highest unwrapped register - first register), a function of the sorted series alone, so any
arrival order and any replay of the same readings charge the same litres to the same readings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ROLLOVER = "rollover"
REVERSE_FLOW = "reverse_flow"


@dataclass(frozen=True)
class Step:
    """What one reading adds: litres charged and what the series noticed about it."""

    consumption_litres: int
    flags: tuple[str, ...]


def series_steps(registers: Sequence[int], register_max_litres: int) -> list[Step]:
    """Steps for `registers[1:]`, each against its predecessor; `registers[0]` is the anchor.

    The anchor must be a point where the series stood at its highest value (the first reading
    of a meter, or any reading that was charged litres), which is why callers anchor there.
    """
    steps: list[Step] = []
    unwrapped = 0
    highest = 0
    for prev, cur in zip(registers, registers[1:], strict=False):
        flags: tuple[str, ...] = ()
        if cur >= prev:
            unwrapped += cur - prev
        elif prev - cur > register_max_litres // 2:
            unwrapped += cur + register_max_litres - prev
            flags = (ROLLOVER,)
        else:
            unwrapped -= prev - cur
            flags = (REVERSE_FLOW,)
        charged = max(0, unwrapped - highest)
        highest = max(highest, unwrapped)
        steps.append(Step(consumption_litres=charged, flags=flags))
    return steps
