"""Reads of billed usage for dashboards, from the daily rollup (`DailyUsage`).

Every selector is one query on the rollup, whatever the number of readings behind it.
Days are the client's local dates (the rule of `consumption_for`); ranges are inclusive and
every day, week or month in range is present, zero when nothing was billed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import F, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from water.billing.models import DailyUsage

PERIODS = ("daily", "weekly", "monthly")


@dataclass(frozen=True)
class UsageTotal:
    """Billed litres, consumption charges and readings over a range."""

    litres: int
    charge_idr: int
    readings: int


@dataclass(frozen=True)
class DayUsage:
    """Billed litres and consumption charges of one local day."""

    day: date
    litres: int
    charge_idr: int


@dataclass(frozen=True)
class UsageBucket:
    """Billed usage of one local day, ISO week (starting Monday) or month."""

    period_start: date
    litres: int
    charge_idr: int
    readings: int


_SUMS: dict[str, Any] = {
    "litres_sum": Sum("litres"),
    "charge_sum": Sum("charge_idr"),
    "readings_sum": Sum("readings"),
}
_ZERO = UsageTotal(litres=0, charge_idr=0, readings=0)


def _total(row: Mapping[str, Any]) -> UsageTotal:
    return UsageTotal(
        litres=int(row["litres_sum"] or 0),
        charge_idr=int(row["charge_sum"] or 0),
        readings=int(row["readings_sum"] or 0),
    )


def tenant_usage_between(*, tenant_id: int, date_from: date, date_to: date) -> UsageTotal:
    """The tenant's billed usage over local days `date_from`..`date_to` inclusive."""
    row = DailyUsage.objects.filter(
        tenant_id=tenant_id, day__gte=date_from, day__lte=date_to
    ).aggregate(**_SUMS)
    return _total(row)


def tenant_usage_daily(*, tenant_id: int, date_from: date, date_to: date) -> list[DayUsage]:
    """The tenant's billed usage per local day, every day of the range (zero-filled)."""
    rows = (
        DailyUsage.objects.filter(tenant_id=tenant_id, day__gte=date_from, day__lte=date_to)
        .values("day")
        .annotate(**_SUMS)
        .order_by()
    )
    by_day = {row["day"]: _total(row) for row in rows}
    return [
        DayUsage(day=day, litres=total.litres, charge_idr=total.charge_idr)
        for day in _days(date_from, date_to)
        for total in [by_day.get(day, _ZERO)]
    ]


def meter_usage_series(
    *, meter_id: int, period: str, date_from: date, date_to: date
) -> list[UsageBucket]:
    """A meter's billed usage per local day, ISO week or month of the range (zero-filled).

    A week or month bucket starts on its Monday or 1st, which may precede `date_from`; it
    counts only the days inside the range.
    """
    if period not in PERIODS:
        raise ValueError(f"Unknown period {period!r}; expected one of {PERIODS}.")
    rows = DailyUsage.objects.filter(meter_id=meter_id, day__gte=date_from, day__lte=date_to)
    if period == "daily":
        grouped = rows.values(bucket=F("day"))
    elif period == "weekly":
        grouped = rows.annotate(bucket=TruncWeek("day")).values("bucket")
    else:
        grouped = rows.annotate(bucket=TruncMonth("day")).values("bucket")
    by_start = {row["bucket"]: _total(row) for row in grouped.annotate(**_SUMS).order_by()}
    return [
        UsageBucket(
            period_start=start,
            litres=total.litres,
            charge_idr=total.charge_idr,
            readings=total.readings,
        )
        for start in _bucket_starts(period, date_from, date_to)
        for total in [by_start.get(start, _ZERO)]
    ]


def meters_usage_between(
    *, meter_ids: list[int], date_from: date, date_to: date
) -> dict[int, UsageTotal]:
    """Billed usage of each given meter over the range; every meter is a key (zero if idle).

    The caller passes meters it has already scoped to the tenant (e.g. one page of a list).
    """
    if not meter_ids:
        return {}
    rows = (
        DailyUsage.objects.filter(meter_id__in=meter_ids, day__gte=date_from, day__lte=date_to)
        .values("meter_id")
        .annotate(**_SUMS)
        .order_by()
    )
    found = {row["meter_id"]: _total(row) for row in rows}
    return {meter_id: found.get(meter_id, _ZERO) for meter_id in meter_ids}


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _bucket_starts(period: str, first: date, last: date) -> Iterator[date]:
    if period == "daily":
        yield from _days(first, last)
    elif period == "weekly":
        start = first - timedelta(days=first.weekday())
        while start <= last:
            yield start
            start += timedelta(days=7)
    else:
        start = first.replace(day=1)
        while start <= last:
            yield start
            start = (start + timedelta(days=32)).replace(day=1)
