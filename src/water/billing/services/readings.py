"""Applying meter readings: store them once, compute consumption, bill it by block.

Rules (decided, and proved by the tests):

- Readings are cumulative registers; consumption is computed on the series sorted by
  `taken_at` (see `series.py`: rollover unwrapped, reverse flow stored but not charged).
- A replay (same meter and `taken_at`) is ignored and counted as a duplicate; the unique
  constraint is the guard and the account row lock serialises concurrent callers.
- A late reading (older than the latest) is slotted into the series: its own delta and its
  successors' deltas are recomputed, and the differences are posted as correction entries,
  so the litres and Rupiah charged equal in-order delivery whatever the arrival order.
- Attribution: a reading's litres belong to the client's local month (Asia/Jakarta by
  default) of its `taken_at`; a delta spanning a month boundary is not split. Blocks reset
  at the start of each local month.
- A month is priced by one tariff (`tariff_for_month`); a reading is charged
  round_half_up(price(month-to-date after)) - round_half_up(price(before)), so a month's
  charges always sum to its rounded price. The fixed monthly charge is billed once per local
  month when its first reading arrives (key "fixed:<account>:<YYYY-MM>").
- A reading is never refused for want of credit: the balance may go negative.
- A replacement meter (`replaces` set) starts its own series (0 litres for its first reading)
  and takes over the old meter's balance (see `ledger.account_locked`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from water.billing.inputs import ApplyResult, ReadingInput
from water.billing.models import EntryKind, LedgerEntry, PrepaidAccount
from water.billing.services.ledger import Posting, account_locked, post
from water.billing.services.live import balances_publish
from water.billing.services.pricing_run import Row, month_plan, recompute
from water.billing.services.rollups import usage_add, usage_of_rows
from water.billing.services.rules import balance_changed, client_for
from water.billing.services.series import REVERSE_FLOW
from water.meters.models import Meter, Reading, ReadingSource
from water.valves.models import AlertKind
from water.valves.services import alert_raise

LATE_MEMO = "re-priced: a late reading arrived"
READING_FIELDS = ("consumption_litres", "charge_idr", "flags")


def _validated(readings: Sequence[ReadingInput]) -> tuple[dict[datetime, ReadingInput], int]:
    unique: dict[datetime, ReadingInput] = {}
    duplicates = 0
    for item in readings:
        if timezone.is_naive(item.taken_at):
            raise ValueError("Reading times must be timezone-aware.")
        if item.register_litres < 0:
            raise ValueError("A register is never negative.")
        if item.taken_at in unique:
            duplicates += 1
        else:
            unique[item.taken_at] = item
    return unique, duplicates


def _load_rows(meter: Meter, earliest_new: datetime) -> list[Row]:
    """Stored readings from the anchor (the last charged reading before the batch) onwards.

    At a charged reading the series stands at its highest value, so recomputing from there
    reproduces everything before the batch; without one, the series starts at the meter's
    first reading.
    """
    anchor = (
        Reading.objects.filter(meter=meter, taken_at__lt=earliest_new, consumption_litres__gt=0)
        .order_by("-taken_at")
        .values_list("taken_at", flat=True)
        .first()
    )
    stored = Reading.objects.filter(meter=meter)
    if anchor is not None:
        stored = stored.filter(taken_at__gte=anchor)
    columns = ("pk", "taken_at", "register_litres", "consumption_litres", "charge_idr", "flags")
    return [
        Row(taken_at=t, register_litres=r, consumption_litres=c, charge_idr=ch, flags=f, pk=pk)
        for pk, t, r, c, ch, f in stored.order_by("taken_at").values_list(*columns)
    ]


def _write_readings(rows: list[Row], meter: Meter, source: str) -> None:
    """Insert the new readings and update stored ones whose consumption or charge moved."""
    fresh = [row for row in rows if row.new is not None]
    Reading.objects.bulk_create(
        [
            Reading(
                tenant_id=meter.tenant_id,
                meter=meter,
                taken_at=row.taken_at,
                register_litres=row.register_litres,
                consumption_litres=row.consumption_litres,
                charge_idr=row.charge_idr,
                flow_lpm=row.new.flow_lpm,
                battery_pct=row.new.battery_pct,
                signal_dbm=row.new.signal_dbm,
                flags=row.flags,
                source=source,
            )
            for row in fresh
            if row.new is not None
        ],
        ignore_conflicts=True,
    )
    ids = dict(
        Reading.objects.filter(meter=meter, taken_at__in=[r.taken_at for r in fresh]).values_list(
            "taken_at", "pk"
        )
    )
    for row in fresh:
        row.pk = ids[row.taken_at]
    moved = [row for row in rows if row.new is None and row.changed]
    if moved:
        Reading.objects.bulk_update(
            [
                Reading(
                    pk=row.pk,
                    consumption_litres=row.consumption_litres,
                    charge_idr=row.charge_idr,
                    flags=row.flags,
                )
                for row in moved
            ],
            list(READING_FIELDS),
        )


def _postings(rows: list[Row], account: PrepaidAccount, fixed: dict[date, int]) -> list[Posting]:
    """Ledger movements in time order; a month's fixed charge precedes its first reading."""
    postings: list[Posting] = []
    for row in rows:
        if row.month in fixed:
            key = f"fixed:{account.pk}:{row.month:%Y-%m}"
            postings.append(Posting(EntryKind.MONTHLY_CHARGE, -fixed.pop(row.month), key))
        if row.charge_delta == 0:
            continue
        if row.new is not None:
            key = f"reading:{row.pk}"
            postings.append(Posting(EntryKind.CONSUMPTION, -row.charge_delta, key, row.pk))
        else:
            postings.append(
                Posting(EntryKind.CONSUMPTION, -row.charge_delta, None, row.pk, memo=LATE_MEMO)
            )
    return postings


def _unbilled_fixed(account: PrepaidAccount, wanted: dict[date, int]) -> dict[date, int]:
    keys = {f"fixed:{account.pk}:{m:%Y-%m}": m for m, amount in wanted.items() if amount}
    done = set(
        LedgerEntry.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    return {month: wanted[month] for key, month in keys.items() if key not in done}


def _touch_meter(meter: Meter, rows: list[Row], now: datetime) -> None:
    latest = rows[-1]
    changes: dict[str, object] = {"last_seen_at": now}
    if latest.new is not None:
        changes["last_register_litres"] = latest.register_litres
        changes["last_reading_at"] = latest.taken_at
        if latest.new.battery_pct is not None:
            changes["battery_pct"] = latest.new.battery_pct
        if latest.new.signal_dbm is not None:
            changes["signal_dbm"] = latest.new.signal_dbm
    Meter.objects.filter(pk=meter.pk).update(**changes)
    for name, value in changes.items():
        setattr(meter, name, value)


def readings_apply(*, meter: Meter, readings: Sequence[ReadingInput], source: str) -> ApplyResult:
    """Store a batch of readings, bill their consumption and react to the new balance.

    One transaction with the meter's account locked; safe to call concurrently and to replay.
    A changed balance is published live (`water.balance`) in the same transaction.
    """
    with transaction.atomic():
        result = _apply_locked(meter=meter, readings=readings, source=source)
        if result.charged_idr:
            balances_publish({meter.pk: result.balance_idr})
    return result


def _apply_locked(*, meter: Meter, readings: Sequence[ReadingInput], source: str) -> ApplyResult:
    """`readings_apply` without its transaction and live event (for `readings_apply_many`,
    which publishes the whole batch's balances at once). Must run inside a transaction."""
    if source not in ReadingSource.values:
        raise ValueError(f"Unknown reading source {source!r}.")
    batch, duplicates = _validated(readings)
    now = timezone.now()
    account = account_locked(meter)
    seen = set(
        Reading.objects.filter(meter=meter, taken_at__in=list(batch)).values_list(
            "taken_at", flat=True
        )
    )
    fresh = {t: i for t, i in sorted(batch.items()) if t not in seen}
    duplicates += len(batch) - len(fresh)
    if not fresh:
        return ApplyResult(0, duplicates, 0, 0, account.balance_idr)
    client = client_for(meter.tenant_id)
    tz = ZoneInfo(client.timezone or "Asia/Jakarta")
    stored = _load_rows(meter, min(fresh))
    rows = recompute(stored, fresh, meter.register_max_litres, tz)
    plan = month_plan(rows, meter, account, tz)
    _write_readings(rows, meter, source)
    usage_add(usage_of_rows(rows, meter, tz))
    fixed = _unbilled_fixed(account, plan.fixed_by_month)
    balance_before = account.balance_idr
    post(account, _postings(rows, account, dict(fixed)))
    if fixed:
        account.fixed_charge_month = max(
            [*fixed, *([account.fixed_charge_month] if account.fixed_charge_month else [])]
        )
    changed = balance_changed(
        account=account, meter=meter, client=client, before_idr=balance_before, now_utc=now
    )
    account.save(
        update_fields=[
            "balance_idr",
            "month_start",
            "month_litres",
            "month_consumption_idr",
            "fixed_charge_month",
            "updated_at",
            *changed,
        ]
    )
    _touch_meter(meter, rows, now)
    flagged = [r.taken_at for r in rows if r.new is not None and REVERSE_FLOW in r.flags]
    if flagged:
        alert_raise(
            meter=meter,
            kind=AlertKind.REVERSE_FLOW,
            message="The register went backwards (reverse flow).",
            data={"taken_at": max(flagged).isoformat()},
        )
    charged = balance_before - account.balance_idr
    return ApplyResult(len(fresh), duplicates, plan.litres_added, charged, account.balance_idr)
