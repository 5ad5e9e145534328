"""Set-based writes of the bulk path: one statement per table, whatever the row count.

On PostgreSQL the rows travel as one array per column (INSERT … SELECT FROM unnest(…),
UPDATE … FROM unnest(…)), which costs little to build and bind for thousands of rows; the
profile showed Django's bulk_update (CASE WHEN per row) and bulk_create (one placeholder
per value) dominating a batch. Other databases use Django's bulk_create / bulk_update.
The values written are the same either way (the equivalence tests run on both).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection

from water.billing.models import LedgerEntry, PrepaidAccount
from water.meters.models import Meter, Reading

ACCOUNT_FIELDS = (
    "balance_idr",
    "month_start",
    "month_litres",
    "month_consumption_idr",
    "fixed_charge_month",
    "low_balance_alerted",
    "updated_at",
)


def _columns(model: type, names: Sequence[str]) -> str:
    return ", ".join(model._meta.get_field(n).column for n in names)  # type: ignore[attr-defined]


def insert_readings(readings: list[Reading], now: datetime) -> None:
    """Insert new readings (flags empty) received at `now`; sets each object's pk."""
    for reading in readings:
        reading.received_at = now
    if connection.vendor != "postgresql":
        Reading.objects.bulk_create(readings, batch_size=2000)
        return
    names: tuple[str, ...] = (
        "tenant",
        "meter",
        "taken_at",
        "register_litres",
        "consumption_litres",
    )
    names += ("charge_idr", "flow_lpm", "battery_pct", "signal_dbm", "flags", "source")
    sql = (  # table and column names come from the models; every value is bound
        f"INSERT INTO {Reading._meta.db_table} ({_columns(Reading, names)}, received_at) "  # noqa: S608
        "SELECT u.*, '[]'::jsonb, %s, %s FROM unnest(%s::bigint[], %s::bigint[], "
        "%s::timestamptz[], %s::bigint[], %s::bigint[], %s::bigint[], %s::float8[], "
        "%s::int[], %s::int[]) AS u RETURNING id"
    )
    sources = {r.source for r in readings}
    if len(sources) != 1:
        raise ValueError("One source per insert.")
    params: list[Any] = [
        sources.pop(),
        now,
        [r.tenant_id for r in readings],
        [r.meter_id for r in readings],
        [r.taken_at for r in readings],
        [r.register_litres for r in readings],
        [r.consumption_litres for r in readings],
        [r.charge_idr for r in readings],
        [r.flow_lpm for r in readings],
        [r.battery_pct for r in readings],
        [r.signal_dbm for r in readings],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    for reading, pk in zip(readings, ids, strict=True):
        reading.pk = pk


def insert_entries(entries: list[LedgerEntry], now: datetime) -> None:
    """Append ledger entries (no actor, no memo) created at `now`."""
    for entry in entries:
        entry.created_at = now
    if connection.vendor != "postgresql":
        LedgerEntry.objects.bulk_create(entries, batch_size=2000)
        return
    if not entries:
        return
    names: tuple[str, ...] = ("tenant", "account", "kind", "amount_idr", "balance_after_idr")
    names += ("idempotency_key", "reading")
    sql = (  # table and column names come from the models; every value is bound
        f"INSERT INTO {LedgerEntry._meta.db_table} ({_columns(LedgerEntry, names)}, memo, "  # noqa: S608
        "created_at) SELECT u.*, '', %s FROM unnest(%s::bigint[], %s::bigint[], %s::text[], "
        "%s::bigint[], %s::bigint[], %s::text[], %s::bigint[]) AS u"
    )
    params: list[Any] = [
        now,
        [e.tenant_id for e in entries],
        [e.account_id for e in entries],
        [e.kind for e in entries],
        [e.amount_idr for e in entries],
        [e.balance_after_idr for e in entries],
        [e.idempotency_key for e in entries],
        [e.reading_id for e in entries],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def update_accounts(accounts: list[PrepaidAccount], now: datetime) -> None:
    """Write the balance, month, fixed-charge and alert fields of locked accounts."""
    for account in accounts:
        account.updated_at = now
    if connection.vendor != "postgresql":
        PrepaidAccount.objects.bulk_update(accounts, list(ACCOUNT_FIELDS))
        return
    sql = (  # table and column names come from the models; every value is bound
        f"UPDATE {PrepaidAccount._meta.db_table} AS a SET balance_idr = u.b, month_start = u.ms, "  # noqa: S608
        "month_litres = u.ml, month_consumption_idr = u.mc, fixed_charge_month = u.f, "
        "low_balance_alerted = u.l, updated_at = %s FROM unnest(%s::bigint[], %s::bigint[], "
        "%s::date[], %s::bigint[], %s::bigint[], %s::date[], %s::bool[]) "
        "AS u(id, b, ms, ml, mc, f, l) WHERE a.id = u.id"
    )
    params: list[Any] = [
        now,
        [a.pk for a in accounts],
        [a.balance_idr for a in accounts],
        [a.month_start for a in accounts],
        [a.month_litres for a in accounts],
        [a.month_consumption_idr for a in accounts],
        [a.fixed_charge_month for a in accounts],
        [a.low_balance_alerted for a in accounts],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def update_meters(meters: list[Meter], newest: list[Reading], now: datetime) -> None:
    """What `_touch_meter` writes, per meter: heard at `now`, its newest register and time,
    and battery and signal when the newest reading reports them."""
    for meter, reading in zip(meters, newest, strict=True):
        meter.last_seen_at = now
        meter.last_register_litres = reading.register_litres
        meter.last_reading_at = reading.taken_at
        if reading.battery_pct is not None:
            meter.battery_pct = reading.battery_pct
        if reading.signal_dbm is not None:
            meter.signal_dbm = reading.signal_dbm
    if connection.vendor != "postgresql":
        fields = ("last_seen_at", "last_register_litres", "last_reading_at")
        groups: dict[tuple[str, ...], list[Meter]] = {}
        for meter, reading in zip(meters, newest, strict=True):
            extra = ("battery_pct",) * (reading.battery_pct is not None)
            extra += ("signal_dbm",) * (reading.signal_dbm is not None)
            groups.setdefault(fields + extra, []).append(meter)
        for names, group in groups.items():
            Meter.objects.bulk_update(group, list(names))
        return
    sql = (  # table and column names come from the models; every value is bound
        f"UPDATE {Meter._meta.db_table} AS m SET last_seen_at = %s, last_register_litres = u.r, "  # noqa: S608
        "last_reading_at = u.t, battery_pct = coalesce(u.b, m.battery_pct), "
        "signal_dbm = coalesce(u.s, m.signal_dbm) FROM unnest(%s::bigint[], %s::bigint[], "
        "%s::timestamptz[], %s::int[], %s::int[]) AS u(id, r, t, b, s) WHERE m.id = u.id"
    )
    params: list[Any] = [
        now,
        [m.pk for m in meters],
        [r.register_litres for r in newest],
        [r.taken_at for r in newest],
        [r.battery_pct for r in newest],
        [r.signal_dbm for r in newest],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
