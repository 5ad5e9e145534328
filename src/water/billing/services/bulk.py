"""Applying readings for many meters at once: a fixed number of queries for the common case.

`readings_apply_many` gives exactly the results of calling `readings_apply` once per meter
(same rows, charges, ledger entries, balances, month fields, alerts, commands and signals);
the equivalence is proved by water/billing/tests/test_bulk.py. It runs one transaction that
locks every existing account of the batch in id order (so concurrent consumers cannot
deadlock on them), then takes the fast path for each meter in the common case:

- the meter has an account, and its latest stored reading (if any) stands at the series'
  highest value: it was charged litres, or it is back at the anchor's register (the last
  charged reading, or the first reading), so the series continues from it;
- every new reading is newer than that latest reading, carries no device flags, and the
  registers never go down (no rollover, no reverse flow);
- every new reading falls in one local month, which is the month of the latest stored
  reading and of the account's month-to-date (so `month_litres` is the volume before them).

Every other meter (late readings, replays, rollover, reverse flow, month changes, first use
of a replacement meter) goes through `readings_apply`'s body inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from water.billing.inputs import ApplyResult, ReadingInput
from water.billing.models import EntryKind, LedgerEntry, PrepaidAccount
from water.billing.services.bulk_write import (
    insert_entries,
    insert_readings,
    update_accounts,
    update_meters,
)
from water.billing.services.ledger import month_of
from water.billing.services.live import balances_publish
from water.billing.services.pricing_run import MonthTariff, month_tariff
from water.billing.services.readings import _apply_locked, _validated
from water.billing.services.rollups import usage_add, usage_of_readings
from water.billing.services.rules import balance_changed, client_for
from water.meters.models import Meter, Reading, ReadingSource
from water.registry.models import Client, Customer, CustomerClass
from water.tariffs.pricing import month_price


@dataclass
class _Plan:
    """One fast meter's work: its new readings, priced, and the account they move."""

    meter: Meter
    account: PrepaidAccount
    fresh: list[ReadingInput]
    duplicates: int
    month: date
    tariff: MonthTariff
    client: Client
    readings: list[Reading] = field(default_factory=list)
    charges: list[int] = field(default_factory=list)
    litres: int = 0
    month_litres: int = 0


def _latest(meter_ids: list[int]) -> dict[int, tuple[datetime, int, int, int]]:
    """Each meter's latest stored reading as (taken_at, register, consumption, anchor
    register), one query. The anchor is the latest charged reading, or the first reading
    when none was charged: where `_load_rows` starts the series."""
    stored = Reading.objects.filter(meter_id=OuterRef("pk"))
    latest = stored.order_by("-taken_at")
    charged = stored.filter(consumption_litres__gt=0).order_by("-taken_at")
    rows = (
        Meter.objects.filter(pk__in=meter_ids)
        .annotate(
            t=Subquery(latest.values("taken_at")[:1]),
            r=Subquery(latest.values("register_litres")[:1]),
            c=Subquery(latest.values("consumption_litres")[:1]),
            a=Subquery(charged.values("register_litres")[:1]),
            f=Subquery(stored.order_by("taken_at").values("register_litres")[:1]),
        )
        .values_list("pk", "t", "r", "c", "a", "f")
    )
    return {pk: (t, r, c, f if a is None else a) for pk, t, r, c, a, f in rows if t is not None}


def _classes(meters: list[Meter]) -> dict[int, str]:
    """Each meter's tariff class (residential without a customer), one query."""
    ids = {m.customer_id for m in meters if m.customer_id is not None}
    found = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "customer_class"))
    return {
        m.pk: (found.get(m.customer_id) if m.customer_id is not None else None)
        or CustomerClass.RESIDENTIAL
        for m in meters
    }


class _Lookups:
    """Clients and month tariffs, each fetched once per batch."""

    def __init__(self) -> None:
        self.clients: dict[int, Client] = {}
        self.tariffs: dict[tuple[int, str, date], MonthTariff] = {}

    def client(self, tenant_id: int) -> Client:
        if tenant_id not in self.clients:
            self.clients[tenant_id] = client_for(tenant_id)
        return self.clients[tenant_id]

    def tariff(self, tenant_id: int, customer_class: str, month: date) -> MonthTariff:
        key = (tenant_id, customer_class, month)
        if key not in self.tariffs:
            self.tariffs[key] = month_tariff(tenant_id, customer_class, month)
        return self.tariffs[key]


def _fast_plan(
    meter: Meter,
    readings: Sequence[ReadingInput],
    account: PrepaidAccount | None,
    latest: tuple[datetime, int, int, int] | None,
    customer_class: str,
    lookups: _Lookups,
) -> _Plan | None:
    """The meter's fast-path plan, or None when it needs the per-meter path."""
    if account is None or not readings:
        return None
    batch, duplicates = _validated(readings)
    fresh = [batch[t] for t in sorted(batch)]
    if any(item.flags for item in fresh):
        return None
    client = lookups.client(meter.tenant_id)
    tz = ZoneInfo(client.timezone or "Asia/Jakarta")
    month = month_of(fresh[0].taken_at, tz)
    if month_of(fresh[-1].taken_at, tz) != month:
        return None
    registers = [item.register_litres for item in fresh]
    if latest is not None:
        taken_at, register, consumption, anchor = latest
        # Uncharged, the latest reading stands at the series' high point only when it is
        # back at the anchor's register (no litres owed back from reverse flow).
        if (consumption <= 0 and register != anchor) or fresh[0].taken_at <= taken_at:
            return None
        if month_of(taken_at, tz) != month or account.month_start != month:
            return None
        registers.insert(0, register)
    if any(later < earlier for earlier, later in zip(registers, registers[1:], strict=False)):
        return None
    tariff = lookups.tariff(meter.tenant_id, customer_class, month)
    return _Plan(meter, account, fresh, duplicates, month, tariff, client)


def _price(plan: _Plan, latest: tuple[datetime, int, int, int] | None, source: str) -> None:
    """Consumption and charge of each new reading, as `recompute` + `month_plan` give them."""
    blocks = plan.tariff.blocks
    cumulative = plan.account.month_litres if latest is not None else 0
    previous = latest[1] if latest is not None else plan.fresh[0].register_litres
    price = month_price(blocks, cumulative)
    for item in plan.fresh:
        litres = item.register_litres - previous
        previous = item.register_litres
        cumulative += litres
        before, price = price, month_price(blocks, cumulative) if litres else price
        plan.charges.append(price - before)
        plan.litres += litres
        plan.readings.append(
            Reading(
                tenant_id=plan.meter.tenant_id,
                meter=plan.meter,
                taken_at=item.taken_at,
                register_litres=item.register_litres,
                consumption_litres=litres,
                charge_idr=plan.charges[-1],
                flow_lpm=item.flow_lpm,
                battery_pct=item.battery_pct,
                signal_dbm=item.signal_dbm,
                flags=[],
                source=source,
            )
        )
    plan.month_litres = cumulative


def _entries(plan: _Plan, fixed_due: set[str]) -> list[LedgerEntry]:
    """The ledger entries of one fast meter, in the order `post` writes them."""
    account = plan.account
    key = f"fixed:{account.pk}:{plan.month:%Y-%m}"
    moves: list[tuple[str, int, str, int | None]] = []
    if key in fixed_due:
        moves.append((EntryKind.MONTHLY_CHARGE, -plan.tariff.fixed_idr, key, None))
        account.fixed_charge_month = max(
            [plan.month, *([account.fixed_charge_month] if account.fixed_charge_month else [])]
        )
    for reading, charge in zip(plan.readings, plan.charges, strict=True):
        if charge:
            moves.append((EntryKind.CONSUMPTION, -charge, f"reading:{reading.pk}", reading.pk))
    entries = []
    for kind, amount, idempotency_key, reading_id in moves:
        account.balance_idr += amount
        entries.append(
            LedgerEntry(
                tenant_id=account.tenant_id,
                account=account,
                kind=kind,
                amount_idr=amount,
                balance_after_idr=account.balance_idr,
                idempotency_key=idempotency_key,
                reading_id=reading_id,
            )
        )
    return entries


def _apply_fast(plans: list[_Plan], source: str, now: datetime) -> dict[int, ApplyResult]:
    """Write every fast meter's readings, entries, account and meter with bulk statements."""
    results: dict[int, ApplyResult] = {}
    if not plans:
        return results
    readings = [r for plan in plans for r in plan.readings]
    insert_readings(readings, now)
    zones = {p.meter.tenant_id: ZoneInfo(p.client.timezone or "Asia/Jakarta") for p in plans}
    usage_add(usage_of_readings(readings, zones))
    wanted = {f"fixed:{p.account.pk}:{p.month:%Y-%m}": p for p in plans if p.tariff.fixed_idr}
    due = set(wanted) - set(
        LedgerEntry.objects.filter(idempotency_key__in=list(wanted)).values_list(
            "idempotency_key", flat=True
        )
    )
    entries: list[LedgerEntry] = []
    for plan in plans:
        before = plan.account.balance_idr
        entries.extend(_entries(plan, due))
        account, meter = plan.account, plan.meter
        if account.month_start is None or plan.month >= account.month_start:
            account.month_start = plan.month
            account.month_litres = plan.month_litres
            account.month_consumption_idr = month_price(plan.tariff.blocks, plan.month_litres)
        balance_changed(
            account=account, meter=meter, client=plan.client, before_idr=before, now_utc=now
        )
        charged = before - account.balance_idr
        results[meter.pk] = ApplyResult(
            len(plan.fresh), plan.duplicates, plan.litres, charged, account.balance_idr
        )
    insert_entries(entries, now)
    update_accounts([p.account for p in plans], now)
    update_meters([p.meter for p in plans], [p.readings[-1] for p in plans], now)
    return results


def readings_apply_many(
    batch: Mapping[int, tuple[Meter, Sequence[ReadingInput]]], *, source: str
) -> dict[int, ApplyResult]:
    """Apply each meter's readings (keyed by meter id); results identical to `readings_apply`.

    One transaction for the whole batch, accounts locked in id order first; the changed
    balances are published live (`water.balance`) with one query and one bulk insert.
    """
    if source not in ReadingSource.values:
        raise ValueError(f"Unknown reading source {source!r}.")
    now = timezone.now()
    ids = sorted(batch)
    results: dict[int, ApplyResult] = {}
    with transaction.atomic():
        accounts = {
            a.meter_id: a
            for a in PrepaidAccount.objects.select_for_update()
            .filter(meter_id__in=ids)
            .order_by("pk")
        }
        latest = _latest(ids)
        classes = _classes([batch[i][0] for i in ids])
        lookups = _Lookups()
        plans: list[_Plan] = []
        slow: list[int] = []
        for meter_id in ids:
            meter, readings = batch[meter_id]
            plan = _fast_plan(
                meter,
                readings,
                accounts.get(meter_id),
                latest.get(meter_id),
                classes[meter_id],
                lookups,
            )
            if plan is None:
                slow.append(meter_id)
            else:
                _price(plan, latest.get(meter_id), source)
                plans.append(plan)
        results.update(_apply_fast(plans, source, now))
        for meter_id in slow:
            meter, readings = batch[meter_id]
            results[meter_id] = _apply_locked(meter=meter, readings=readings, source=source)
        balances_publish({pk: r.balance_idr for pk, r in results.items() if r.charged_idr})
    return results
