"""The in-memory pass of readings_apply: slot new readings into the series and price them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Sum

from water.billing.inputs import ReadingInput
from water.billing.models import PrepaidAccount
from water.billing.services.ledger import month_bounds_utc, month_of
from water.billing.services.series import series_steps
from water.meters.models import Meter, Reading
from water.registry.models import Customer, CustomerClass
from water.tariffs.pricing import PriceBlock, month_price
from water.tariffs.selectors import tariff_for_month


@dataclass
class Row:
    """A reading in memory: stored (pk set) or about to be inserted (`new` set)."""

    taken_at: datetime
    register_litres: int
    consumption_litres: int = 0
    charge_idr: int = 0
    flags: list[str] = field(default_factory=list)
    pk: int | None = None
    new: ReadingInput | None = None
    month: date = date.min
    charge_delta: int = 0

    def __post_init__(self) -> None:
        self.stored = (self.consumption_litres, self.charge_idr, list(self.flags))

    @property
    def changed(self) -> bool:
        """Whether consumption, charge or flags differ from what is stored."""
        return self.stored != (self.consumption_litres, self.charge_idr, self.flags)


@dataclass(frozen=True)
class MonthTariff:
    """The blocks and fixed charge pricing one local month (empty: no tariff in force)."""

    blocks: tuple[PriceBlock, ...]
    fixed_idr: int


@dataclass(frozen=True)
class Plan:
    """What the pricing pass decided beyond the rows themselves."""

    litres_added: int
    fixed_by_month: dict[date, int]


def recompute(
    stored: list[Row], fresh: dict[datetime, ReadingInput], register_max: int, tz: ZoneInfo
) -> list[Row]:
    """Merge new readings into the stored tail and recompute every delta in time order."""
    rows = stored + [
        Row(taken_at=t, register_litres=i.register_litres, flags=list(i.flags), new=i)
        for t, i in fresh.items()
    ]
    rows.sort(key=lambda row: row.taken_at)
    for row in rows:
        row.month = month_of(row.taken_at, tz)
    steps = series_steps([row.register_litres for row in rows], register_max)
    for row, step in zip(rows[1:], steps, strict=True):
        row.consumption_litres = step.consumption_litres
        row.flags = row.flags + [flag for flag in step.flags if flag not in row.flags]
    return rows


def customer_class_of(meter: Meter) -> str:
    """The tariff class of the meter's customer (residential when it has none)."""
    if meter.customer_id is None:
        return CustomerClass.RESIDENTIAL
    found = Customer.objects.filter(pk=meter.customer_id).values_list("customer_class", flat=True)
    return found.first() or CustomerClass.RESIDENTIAL


def month_tariff(tenant_id: int, customer_class: str, month: date) -> MonthTariff:
    """The blocks and fixed charge pricing `month` for a tenant's customer class."""
    tariff = tariff_for_month(tenant_id, customer_class, month)
    if tariff is None:
        return MonthTariff(blocks=(), fixed_idr=0)
    blocks = tuple(
        PriceBlock(b.from_litres, b.to_litres, b.price_per_m3_idr) for b in tariff.blocks.all()
    )
    return MonthTariff(blocks=blocks, fixed_idr=tariff.fixed_monthly_charge_idr)


def _tariffs(meter: Meter) -> dict[date, MonthTariff]:
    customer_class = customer_class_of(meter)

    class Cache(dict[date, MonthTariff]):
        def __missing__(self, month: date) -> MonthTariff:
            found = month_tariff(meter.tenant_id, customer_class, month)
            self[month] = found
            return found

    return Cache()


def _volume_before(meter: Meter, first: Row, tz: ZoneInfo) -> int:
    start, _ = month_bounds_utc(first.month, tz)
    total = Reading.objects.filter(
        meter=meter, taken_at__gte=start, taken_at__lt=first.taken_at
    ).aggregate(total=Sum("consumption_litres"))["total"]
    return int(total or 0)


def month_plan(rows: list[Row], meter: Meter, account: PrepaidAccount, tz: ZoneInfo) -> Plan:
    """Price every row from the first new one on, and bring the account's month up to date.

    Rows before the first new reading keep their charges (their month-to-date is unchanged);
    the loaded tail covers every later month entirely, so month-to-date is exact.
    """
    tariffs = _tariffs(meter)
    first_new = next(i for i, row in enumerate(rows) if row.new is not None)
    month = rows[0].month
    cumulative = _volume_before(meter, rows[0], tz)
    for index, row in enumerate(rows):
        if row.month != month:
            month, cumulative = row.month, 0
        before, cumulative = cumulative, cumulative + row.consumption_litres
        if index >= first_new:
            blocks = tariffs[row.month].blocks
            charge = month_price(blocks, cumulative) - month_price(blocks, before)
            row.charge_delta = charge - row.stored[1]
            row.charge_idr = charge
    if account.month_start is None or month >= account.month_start:
        account.month_start = month
        account.month_litres = cumulative
        account.month_consumption_idr = month_price(tariffs[month].blocks, cumulative)
    fixed = {row.month: tariffs[row.month].fixed_idr for row in rows if row.new is not None}
    added = sum(row.consumption_litres - row.stored[0] for row in rows)
    return Plan(litres_added=added, fixed_by_month=fixed)
