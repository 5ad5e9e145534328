"""What ingestion hands to billing, and what billing answers. Shared by HTTP and MQTT."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ReadingInput:
    """One report from a meter: the cumulative register (litres) at `taken_at` (aware UTC).

    `flags` carries what the device itself noticed: "tamper", "reverse_flow", "door_open".
    """

    taken_at: datetime
    register_litres: int
    flow_lpm: float | None = None
    battery_pct: int | None = None
    signal_dbm: int | None = None
    flags: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ApplyResult:
    """Outcome of applying a batch: new readings stored, duplicates ignored, money moved."""

    accepted: int
    duplicates: int
    consumption_litres: int
    charged_idr: int
    balance_idr: int
