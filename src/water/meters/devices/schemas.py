"""Request and response bodies of the device and provisioning API (inputs forbid extra keys)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import field_validator

from core.api.schemas import Strict
from water.meters.devices.protocol import CLOCK_SKEW_SECONDS

MAX_READINGS = 500


class ProvisioningTokenOut(Schema):
    token: str = Field(description="Shown once; type it into the meter to enrol it")
    expires_at: datetime
    meter_id: int


class EnrolIn(Strict):
    serial: str = Field(min_length=1, max_length=64)
    token: str = Field(min_length=1, max_length=128)


class TopicsOut(Schema):
    readings: str
    acks: str
    commands: str


class EnrolOut(Schema):
    meter_id: int
    key_id: str
    device_key: str = Field(description="base64 of 32 random bytes; shown once")
    topics: TopicsOut
    server_time: int = Field(description="Unix seconds, to set the device clock")


class ReadingIn(Strict):
    taken_at: datetime = Field(description="ISO-8601 with an offset: 2026-05-01T06:00:00+07:00")
    register_litres: int = Field(ge=0, le=10**12)
    flow_lpm: float | None = Field(default=None, ge=-1000, le=1000)
    battery_pct: int | None = Field(default=None, ge=0, le=100)
    signal_dbm: int | None = Field(default=None, ge=-150, le=0)
    flags: list[str] = Field(default_factory=list, max_length=8)

    @field_validator("taken_at")
    @classmethod
    def _aware_and_not_ahead(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("taken_at needs a UTC offset")
        if value > timezone.now() + timedelta(seconds=CLOCK_SKEW_SECONDS):
            raise ValueError("taken_at is in the future")
        return value

    @field_validator("flags")
    @classmethod
    def _short_flags(cls, value: list[str]) -> list[str]:
        if any(not 0 < len(flag) <= 32 for flag in value):
            raise ValueError("each flag has 1 to 32 characters")
        return value


class ReadingsIn(Strict):
    readings: list[ReadingIn] = Field(min_length=1, max_length=MAX_READINGS)


class ValveOut(Schema):
    state: str = Field(description="open, closed or unknown, as last reported")
    pending_command: str | None = Field(description="Kind of the next command, if any")


class ReadingsOut(Schema):
    accepted: int
    duplicates: int
    balance_idr: int
    valve: ValveOut


class CommandOut(Schema):
    id: int
    kind: str
    priority: int
    attempt: int
    expires_at: datetime


class CommandsOut(Schema):
    commands: list[CommandOut]


class AckIn(Strict):
    status: Literal["acknowledged", "failed"]
    valve_state: Literal["open", "closed", "unknown"]
    notes: str = Field(default="", max_length=500)


class AckOut(Schema):
    id: int
    status: str
    attempts: int
