"""Reads of billing data: a meter's ledger, balance and consumption, and the ledger check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncMonth

from core.accounts.models import User
from core.errors import NotFound
from water.billing.models import LedgerEntry, PrepaidAccount
from water.meters.models import Meter, Reading
from water.registry.models import Client


def meter_get_for(*, actor: User, tenant_id: int, meter_id: int) -> Meter:
    """A meter of the tenant; another tenant's meter answers NotFound like a missing one."""
    meter = Meter.objects.filter(pk=meter_id, tenant_id=tenant_id).first()
    if meter is None:
        raise NotFound("Meter not found.")
    return meter


def customer_meter_get_for(*, actor: User, meter_id: int) -> Meter:
    """One of the caller's own meters (via Customer.user); anyone else's answers NotFound."""
    meter = Meter.objects.filter(pk=meter_id, customer__user=actor).first()
    if meter is None:
        raise NotFound("Meter not found.")
    return meter


def ledger_list_for(*, meter: Meter) -> QuerySet[LedgerEntry]:
    """The meter's ledger entries, newest first."""
    return LedgerEntry.objects.filter(account__meter=meter).order_by("-id")


@dataclass(frozen=True)
class Balance:
    """A meter's prepaid position."""

    meter_id: int
    balance_idr: int
    month_start: date | None
    month_litres: int
    month_consumption_idr: int
    low_balance_threshold_idr: int


def balance_for(*, meter: Meter) -> Balance:
    """The meter's balance and month to date (zeros before its first reading or top-up)."""
    account = PrepaidAccount.objects.filter(meter=meter).first()
    client = Client.objects.filter(tenant_id=meter.tenant_id).first() or Client()
    return Balance(
        meter_id=meter.pk,
        balance_idr=account.balance_idr if account else 0,
        month_start=account.month_start if account else None,
        month_litres=account.month_litres if account else 0,
        month_consumption_idr=account.month_consumption_idr if account else 0,
        low_balance_threshold_idr=client.low_balance_threshold_idr,
    )


@dataclass(frozen=True)
class ConsumptionBucket:
    """Litres and consumption charges of one local day or month."""

    period_start: date
    litres: int
    charge_idr: int
    readings: int


def consumption_for(
    *, meter: Meter, period: str, date_from: date, date_to: date
) -> list[ConsumptionBucket]:
    """Readings' litres and charges grouped by the client's local day or month, inclusive.

    Fixed and minimum charges are ledger entries, not readings: see the ledger for them.
    """
    client = Client.objects.filter(tenant_id=meter.tenant_id).first()
    tz = ZoneInfo(client.timezone if client else "Asia/Jakarta")
    start = datetime.combine(date_from, time(0), tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=tz)
    trunc = TruncDay if period == "daily" else TruncMonth
    rows = (
        Reading.objects.filter(meter=meter, taken_at__gte=start, taken_at__lt=end)
        .annotate(bucket=trunc("taken_at", tzinfo=tz))
        .values("bucket")
        .annotate(litres=Sum("consumption_litres"), charge=Sum("charge_idr"), n=Count("id"))
        .order_by("bucket")
    )
    return [
        ConsumptionBucket(
            period_start=_as_date(row["bucket"], tz),
            litres=int(row["litres"] or 0),
            charge_idr=int(row["charge"] or 0),
            readings=row["n"],
        )
        for row in rows
    ]


def _as_date(value: date | datetime, tz: ZoneInfo) -> date:
    if isinstance(value, datetime):
        return value.astimezone(tz).date()
    return value
