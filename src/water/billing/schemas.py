"""Request and response bodies of the billing API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from core.api.schemas import Strict
from water.billing.models import EntryKind

MIN_TOPUP_IDR = 10_000
MAX_MONEY_IDR = 100_000_000_000


class TopupIn(Strict):
    amount_idr: int = Field(ge=MIN_TOPUP_IDR, le=MAX_MONEY_IDR, description="Whole Rupiah")
    reason: str = Field(min_length=3, max_length=200, description="e.g. cash at the counter")
    idempotency_key: str | None = Field(
        default=None, min_length=8, max_length=64, description="Client-made; a retry is ignored"
    )


class AdjustmentIn(Strict):
    amount_idr: int = Field(
        ge=-MAX_MONEY_IDR, le=MAX_MONEY_IDR, description="Positive credits, negative debits"
    )
    reason: str = Field(min_length=3, max_length=200)
    idempotency_key: str | None = Field(default=None, min_length=8, max_length=64)


class ConsumptionQuery(Schema):
    period: Literal["daily", "monthly"] = "daily"
    date_from: date | None = Field(default=None, alias="from")
    date_to: date | None = Field(default=None, alias="to")


class EntryOut(Schema):
    """One ledger movement (credits positive, debits negative)."""

    id: int
    kind: EntryKind
    amount_idr: int
    balance_after_idr: int
    reading_id: int | None
    memo: str
    created_at: datetime


class EntryPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[EntryOut]


class BalanceOut(Schema):
    meter_id: int
    balance_idr: int
    month_start: date | None
    month_litres: int
    month_consumption_idr: int
    low_balance_threshold_idr: int


class BucketOut(Schema):
    period_start: date
    litres: int
    charge_idr: int
    readings: int


class ConsumptionOut(Schema):
    meter_id: int
    period: str
    date_from: date
    date_to: date
    total_litres: int
    total_charge_idr: int
    buckets: list[BucketOut]
