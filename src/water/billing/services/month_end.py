"""Month-end and periodic jobs: minimum charges and postponed disconnections."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from water.billing.models import EntryKind, LedgerEntry, PrepaidAccount
from water.billing.services.ledger import Posting, account_locked, month_bounds_utc, post
from water.billing.services.live import balances_publish
from water.billing.services.pricing_run import customer_class_of
from water.billing.services.rules import balance_changed, client_for, close_if_allowed
from water.meters.models import Reading, ValveState
from water.registry.models import Client
from water.tariffs.selectors import tariff_for_month


def minimum_charge_bill(*, account_id: int, month: date) -> int:
    """Top a local month's consumption charge up to its tariff's minimum; the amount billed.

    Idempotent (key "minimum:<account>:<YYYY-MM>"): a second run bills nothing. A meter
    with no reading before the month's end was not in service and is not billed.
    """
    with transaction.atomic():
        account = PrepaidAccount.objects.select_related("meter").get(pk=account_id)
        meter = account.meter
        account = account_locked(meter)
        key = f"minimum:{account.pk}:{month:%Y-%m}"
        if LedgerEntry.objects.filter(idempotency_key=key).exists():
            return 0
        tariff = tariff_for_month(meter.tenant_id, customer_class_of(meter), month)
        if tariff is None or tariff.minimum_charge_idr == 0:
            return 0
        client = client_for(meter.tenant_id)
        start, end = month_bounds_utc(month, ZoneInfo(client.timezone or "Asia/Jakarta"))
        if not Reading.objects.filter(meter=meter, taken_at__lt=end).exists():
            return 0  # not in service yet that month
        charged = Reading.objects.filter(
            meter=meter, taken_at__gte=start, taken_at__lt=end
        ).aggregate(total=Sum("charge_idr"))["total"]
        shortfall = tariff.minimum_charge_idr - int(charged or 0)
        if shortfall <= 0:
            return 0
        before = account.balance_idr
        memo = f"minimum charge {month:%Y-%m}"
        post(account, [Posting(EntryKind.MINIMUM_CHARGE, -shortfall, key, memo=memo)])
        changed = balance_changed(
            account=account, meter=meter, client=client, before_idr=before, now_utc=timezone.now()
        )
        account.save(update_fields=["balance_idr", "updated_at", *changed])
        balances_publish({meter.pk: account.balance_idr})
    return shortfall


def minimum_charges_bill(*, month: date | None = None, now: datetime | None = None) -> int:
    """Bill the minimum charge of `month` (default: each client's previous local month) for
    every meter that had reported by the month's end; returns how many were billed."""
    now = now or timezone.now()
    billed = 0
    clients = {c.tenant_id: c for c in Client.objects.all()}
    for account_id, tenant_id in PrepaidAccount.objects.order_by("pk").values_list(
        "pk", "tenant_id"
    ):
        client = clients.get(tenant_id) or Client(tenant_id=tenant_id)
        tz = ZoneInfo(client.timezone or "Asia/Jakarta")
        target = month or _previous_month(now.astimezone(tz).date())
        billed += minimum_charge_bill(account_id=account_id, month=target) > 0
    return billed


def _previous_month(today: date) -> date:
    first = today.replace(day=1)
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def credit_rules_enforce(*, now: datetime | None = None) -> int:
    """Queue the valve closes that friendly credit postponed, now that it no longer holds.

    Looks at accounts at or below zero whose valve is not closed; safe to run every few
    minutes (a pending close is reused, never duplicated). Returns how many closes it queued.
    """
    now = now or timezone.now()
    queued = 0
    clients: dict[int, Client] = {}
    candidates = (
        PrepaidAccount.objects.filter(balance_idr__lte=0)
        .exclude(meter__valve_state=ValveState.CLOSED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for account_id in list(candidates):
        with transaction.atomic():
            account = (
                PrepaidAccount.objects.select_for_update()
                .select_related("meter")
                .get(pk=account_id)
            )
            if account.balance_idr > 0:
                continue
            client = clients.setdefault(account.tenant_id, client_for(account.tenant_id))
            queued += close_if_allowed(
                meter=account.meter, client=client, now_utc=now, balance_idr=account.balance_idr
            )
    return queued
