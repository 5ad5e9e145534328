"""The daily usage rollup: kept by billing in its own transaction, rebuilt and checked here.

Billing adds what it changed (`usage_add`): a new reading adds its litres, charge and one
reading to its local day; a stored reading re-priced by a late arrival adds the difference.
The rows are summed per (meter, day) and written with one upsert per batch that adds to the
stored values (INSERT … ON CONFLICT (meter_id, day) DO UPDATE SET litres = litres +
excluded.litres …), which bulk_create(update_conflicts=True) cannot express.
A replay is never stored, so it adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import groupby
from operator import itemgetter
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate

from water.billing.models import DailyUsage, PrepaidAccount
from water.billing.services.pricing_run import Row
from water.billing.services.rules import client_for
from water.meters.models import Meter, Reading

Key = tuple[int, int, date]  # tenant, meter, local day
Sums = tuple[int, int, int]  # litres, charge, readings
COLUMNS = 6


def _local_day(taken_at: datetime, tz: ZoneInfo) -> date:
    return taken_at.astimezone(tz).date()


def usage_of_rows(rows: Iterable[Row], meter: Meter, tz: ZoneInfo) -> dict[Key, Sums]:
    """What one `readings_apply` pass changed: new rows in full, re-priced rows' differences."""
    changes: dict[Key, Sums] = {}
    for row in rows:
        if row.new is not None:
            delta = (row.consumption_litres, row.charge_idr, 1)
        elif row.changed:
            delta = (row.consumption_litres - row.stored[0], row.charge_idr - row.stored[1], 0)
        else:
            continue
        _add(changes, (meter.tenant_id, meter.pk, _local_day(row.taken_at, tz)), delta)
    return changes


def usage_of_readings(readings: Iterable[Reading], tz_of: dict[int, ZoneInfo]) -> dict[Key, Sums]:
    """What newly inserted readings add (the bulk path); `tz_of` maps tenant to its zone."""
    changes: dict[Key, Sums] = {}
    for reading in readings:
        day = _local_day(reading.taken_at, tz_of[reading.tenant_id])
        delta = (reading.consumption_litres, reading.charge_idr, 1)
        _add(changes, (reading.tenant_id, reading.meter_id, day), delta)
    return changes


def _add(changes: dict[Key, Sums], key: Key, delta: Sums) -> None:
    litres, charge, readings = changes.get(key, (0, 0, 0))
    changes[key] = (litres + delta[0], charge + delta[1], readings + delta[2])


def usage_add(changes: dict[Key, Sums]) -> None:
    """Add summed changes to the rollup: one statement on PostgreSQL (arrays bound per
    column), one per chunk of bound parameters elsewhere. Run it inside billing's transaction."""
    rows = [(*key, *sums) for key, sums in sorted(changes.items()) if any(sums)]
    if not rows:
        return
    table = DailyUsage._meta.db_table
    t = table
    update = (
        f"ON CONFLICT (meter_id, day) DO UPDATE SET litres = {t}.litres + excluded.litres, "
        f"charge_idr = {t}.charge_idr + excluded.charge_idr, "
        f"readings = {t}.readings + excluded.readings"
    )
    columns = "tenant_id, meter_id, day, litres, charge_idr, readings"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = (  # the table comes from the model; every value is bound
                f"INSERT INTO {table} ({columns}) SELECT * FROM unnest(%s::bigint[], "  # noqa: S608
                f"%s::bigint[], %s::date[], %s::bigint[], %s::bigint[], %s::int[]) {update}"
            )
            cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
            return
        limit = connection.features.max_query_params or 999
        size = max(1, limit // COLUMNS)
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
            sql = f"INSERT INTO {table} ({columns}) VALUES {values} {update}"  # noqa: S608
            cursor.execute(sql, [value for row in chunk for value in row])


@dataclass(frozen=True)
class Scope:
    """Which rollup rows to rebuild or check: all, or one meter, and local days inclusive."""

    meter_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _expected(tenant_id: int, meter_ids: list[int], scope: Scope) -> dict[Key, Sums]:
    """The rollup the tenant's readings imply, for the given meters and days."""
    tz = ZoneInfo(client_for(tenant_id).timezone or "Asia/Jakarta")
    readings = Reading.objects.filter(meter_id__in=meter_ids)
    if scope.date_from is not None:
        readings = readings.filter(taken_at__gte=datetime.combine(scope.date_from, time(0), tz))
    if scope.date_to is not None:
        end = datetime.combine(scope.date_to + timedelta(days=1), time(0), tz)
        readings = readings.filter(taken_at__lt=end)
    rows = (
        readings.annotate(local_day=TruncDate("taken_at", tzinfo=tz))
        .values_list("meter_id", "local_day")
        .annotate(litres=Sum("consumption_litres"), charge=Sum("charge_idr"), n=Count("id"))
        .order_by()
    )
    return {
        (tenant_id, meter_id, day): (int(litres or 0), int(charge or 0), n)
        for meter_id, day, litres, charge, n in rows
    }


def _stored(meter_ids: list[int], scope: Scope) -> QuerySet[DailyUsage]:
    rows = DailyUsage.objects.filter(meter_id__in=meter_ids)
    if scope.date_from is not None:
        rows = rows.filter(day__gte=scope.date_from)
    if scope.date_to is not None:
        rows = rows.filter(day__lte=scope.date_to)
    return rows


def _chunks(scope: Scope, size: int) -> Iterable[tuple[int, list[int]]]:
    """(tenant, meter ids) in chunks of at most `size`, in id order."""
    meters = Meter.objects.order_by("tenant_id", "pk")
    if scope.meter_id is not None:
        meters = meters.filter(pk=scope.meter_id)
    for tenant_id, group in groupby(meters.values_list("tenant_id", "pk"), key=itemgetter(0)):
        ids = [pk for _, pk in group]
        for start in range(0, len(ids), size):
            yield tenant_id, ids[start : start + size]


def usage_rebuild(*, scope: Scope, chunk_size: int = 200) -> int:
    """Replace the rollup rows in scope with what the readings imply; idempotent.

    Each chunk of meters is one transaction holding their accounts' locks, which billing
    takes too, so a reading billed meanwhile is counted exactly once. Returns rows written.
    """
    written = 0
    for tenant_id, meter_ids in _chunks(scope, chunk_size):
        with transaction.atomic():
            list(
                PrepaidAccount.objects.select_for_update()
                .filter(meter_id__in=meter_ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            expected = _expected(tenant_id, meter_ids, scope)
            _stored(meter_ids, scope).delete()
            DailyUsage.objects.bulk_create(
                [
                    DailyUsage(
                        tenant_id=t, meter_id=m, day=d, litres=s[0], charge_idr=s[1], readings=s[2]
                    )
                    for (t, m, d), s in sorted(expected.items())
                ],
                batch_size=2000,
            )
            written += len(expected)
    return written


def usage_check(*, scope: Scope, chunk_size: int = 200) -> list[str]:
    """One line per rollup row in scope that differs from its readings (or is missing or
    has no readings behind it); empty when the rollup is exact."""
    problems: list[str] = []
    for tenant_id, meter_ids in _chunks(scope, chunk_size):
        expected = _expected(tenant_id, meter_ids, scope)
        stored = {
            (t, m, d): (litres, charge, n)
            for t, m, d, litres, charge, n in _stored(meter_ids, scope).values_list(
                "tenant_id", "meter_id", "day", "litres", "charge_idr", "readings"
            )
        }
        for key in sorted(set(expected) | set(stored)):
            want, have = expected.get(key), stored.get(key)
            if want != have:
                _, meter_id, day = key
                problems.append(
                    f"meter {meter_id} on {day}: rollup {_fmt(have)}, readings {_fmt(want)}"
                )
    return problems


def _fmt(sums: Sums | None) -> str:
    if sums is None:
        return "missing"
    return f"{sums[0]} L, Rp {sums[1]}, {sums[2]} readings"
