"""Request and response bodies of the tariffs API."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from core.api.schemas import PageIn, Strict
from water.registry.models import CustomerClass


class BlockIn(Strict):
    from_litres: int = Field(ge=0, description="Month-to-date litres where the block starts")
    to_litres: int | None = Field(default=None, gt=0, description="Where it ends; null: open")
    price_per_m3_idr: int = Field(gt=0, description="Whole Rupiah per m³ (1,000 litres)")


class TariffIn(Strict):
    name: str = Field(min_length=1, max_length=120)
    customer_class: CustomerClass
    effective_from: date
    effective_to: date | None = None
    fixed_monthly_charge_idr: int = Field(default=0, ge=0)
    minimum_charge_idr: int = Field(default=0, ge=0)
    blocks: list[BlockIn] = Field(min_length=1, max_length=20)


class TariffPatch(Strict):
    """Only the keys sent change; a tariff in force accepts `name` and `effective_to` only."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    customer_class: CustomerClass | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    fixed_monthly_charge_idr: int | None = Field(default=None, ge=0)
    minimum_charge_idr: int | None = Field(default=None, ge=0)
    blocks: list[BlockIn] | None = Field(default=None, min_length=1, max_length=20)


class BlockOut(Schema):
    from_litres: int
    to_litres: int | None
    price_per_m3_idr: int


class TariffOut(Schema):
    id: int
    name: str
    customer_class: CustomerClass
    effective_from: date
    effective_to: date | None
    fixed_monthly_charge_idr: int
    minimum_charge_idr: int
    blocks: list[BlockOut]
    created_at: datetime

    @staticmethod
    def resolve_blocks(obj: object) -> list[object]:
        return list(obj.blocks.all())  # type: ignore[attr-defined]


class TariffPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[TariffOut]


class TariffFilters(PageIn):
    customer_class: CustomerClass | None = None


class QuoteIn(Strict):
    litres: int = Field(ge=0, le=100_000_000, description="Volume in one month, in litres")


class QuoteBlockOut(Schema):
    from_litres: int
    to_litres: int | None
    price_per_m3_idr: int
    litres: int
    amount: str = Field(description="Exact Rupiah for these litres, as a fraction if needed")


class QuoteOut(Schema):
    litres: int
    blocks: list[QuoteBlockOut]
    consumption_idr: int = Field(description="Sum of the blocks, rounded half up")
    minimum_topup_idr: int = Field(description="Added when below the minimum charge")
    fixed_monthly_charge_idr: int
    total_idr: int
