"""My usage report: the range the page asks for, its buckets and how it compares.

The range is read from the query string and validated here; the numbers come from the daily
rollup (`water.billing.usage.meter_usage_series`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from water.billing.usage import PERIODS, UsageBucket, meter_usage_series
from water.portal.customer.units import cubic_metres

DEFAULT_DAYS = {"daily": 30, "weekly": 84, "monthly": 365}
MAX_DAYS = {"daily": 366, "weekly": 3660, "monthly": 3660}


@dataclass(frozen=True)
class UsageQuery:
    """What the usage page shows: a period and an inclusive range of local days."""

    period: str
    date_from: date
    date_to: date

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def usage_query_read(params: Mapping[str, str], *, today: date) -> tuple[UsageQuery, str]:
    """The query the parameters ask for, or the default one with an error message."""
    period = params.get("period") or "daily"
    if period not in PERIODS:
        period = "daily"
    default = UsageQuery(period, today - timedelta(days=DEFAULT_DAYS[period] - 1), today)
    raw_from, raw_to = params.get("from") or "", params.get("to") or ""
    date_from, date_to = _date(raw_from), _date(raw_to)
    if (raw_from and date_from is None) or (raw_to and date_to is None):
        return default, _("Enter dates as YYYY-MM-DD.")
    if date_to is not None and date_from is None:
        date_from = date_to - timedelta(days=DEFAULT_DAYS[period] - 1)
    query = UsageQuery(period, date_from or default.date_from, date_to or default.date_to)
    if query.date_from > query.date_to:
        return default, _("The start date must be on or before the end date.")
    if query.days > MAX_DAYS[period]:
        return default, _("That range is too long for this view: choose at most %(days)s days.") % {
            "days": MAX_DAYS[period]
        }
    return query, ""


@dataclass(frozen=True)
class UsageRow:
    """One bucket of the table and chart."""

    bucket: UsageBucket
    label: str

    @property
    def m3(self) -> str:
        """Three decimals, so the table's column lines up."""
        return number_format(
            Decimal(self.bucket.litres) / 1000, decimal_pos=3, use_l10n=True, force_grouping=True
        )


@dataclass(frozen=True)
class UsageReport:
    """Buckets of a range with their totals and the previous range of the same length."""

    query: UsageQuery
    rows: list[UsageRow]
    total_litres: int
    total_charge_idr: int
    previous_litres: int

    @property
    def average_litres_per_day(self) -> int:
        return int((Decimal(self.total_litres) / self.query.days).quantize(0, ROUND_HALF_UP))

    @property
    def peak(self) -> UsageRow | None:
        best = max(self.rows, key=lambda row: row.bucket.litres, default=None)
        return best if best is not None and best.bucket.litres > 0 else None

    @property
    def change_percent(self) -> int | None:
        """Change of the total from the previous range, in whole percent (None from zero)."""
        if self.previous_litres == 0:
            return None
        change = Decimal(self.total_litres - self.previous_litres) * 100 / self.previous_litres
        return int(change.quantize(0, ROUND_HALF_UP))

    @property
    def total_m3(self) -> str:
        return cubic_metres(self.total_litres)

    @property
    def average_m3_per_day(self) -> str:
        return cubic_metres(self.average_litres_per_day)

    @property
    def previous_m3(self) -> str:
        return cubic_metres(self.previous_litres)


def _label(period: str, start: date) -> str:
    return date_format(start, "M Y" if period == "monthly" else "j M")


def usage_report_for(*, meter_id: int, query: UsageQuery) -> UsageReport:
    """The meter's usage over the query's range, and its total over the range before it."""
    buckets = meter_usage_series(
        meter_id=meter_id, period=query.period, date_from=query.date_from, date_to=query.date_to
    )
    before_to = query.date_from - timedelta(days=1)
    before = meter_usage_series(
        meter_id=meter_id,
        period="monthly",
        date_from=before_to - timedelta(days=query.days - 1),
        date_to=before_to,
    )
    return UsageReport(
        query=query,
        rows=[UsageRow(bucket, _label(query.period, bucket.period_start)) for bucket in buckets],
        total_litres=sum(b.litres for b in buckets),
        total_charge_idr=sum(b.charge_idr for b in buckets),
        previous_litres=sum(b.litres for b in before),
    )


def usage_csv(report: UsageReport) -> str:
    """The report's buckets as CSV: period_start, litres, m3, charge_idr (dot decimals)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["period_start", "litres", "m3", "charge_idr"])
    for row in report.rows:
        bucket = row.bucket
        m3 = f"{Decimal(bucket.litres) / 1000:.3f}"
        writer.writerow([bucket.period_start.isoformat(), bucket.litres, m3, bucket.charge_idr])
    return out.getvalue()
