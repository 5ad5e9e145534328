"""The figures of a water authority's dashboard, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from core.payments.models import Payment
from water.billing.usage import DayUsage, UsageTotal, tenant_usage_between, tenant_usage_daily
from water.meters.devices.sweeps import OFFLINE_AFTER
from water.meters.models import Meter, MeterStatus, ValveState
from water.portal.client.ops_common import Workspace
from water.registry.models import Customer
from water.topups.selectors import PURPOSE as TOPUP_PURPOSE
from water.valves.models import Alert

CHART_DAYS = 30
RECENT_ALERTS = 10


@dataclass(frozen=True)
class Fleet:
    """Meters in service (not retired) and how they are doing."""

    meters: int
    online: int
    offline: int
    never_seen: int
    valves_closed: int
    low_credit: int


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows."""

    today: date
    month_start: date
    customers: int
    fleet: Fleet
    credit_sold_today_idr: int
    credit_sold_month_idr: int
    usage_today: UsageTotal
    usage_month: UsageTotal
    daily: list[DayUsage]
    recent_alerts: list[Alert]


def fleet_of(*, workspace: Workspace, now: datetime) -> Fleet:
    """Counts of the tenant's meters in one query.

    Online and offline follow the offline sweep: a meter heard from within `OFFLINE_AFTER`
    is online; an active meter heard from before that is offline; one never heard from is
    counted apart.
    """
    cutoff = now - OFFLINE_AFTER
    threshold = workspace.client.low_balance_threshold_idr
    row = (
        Meter.objects.filter(tenant_id=workspace.tenant.pk)
        .exclude(status=MeterStatus.RETIRED)
        .aggregate(
            meters=Count("pk"),
            online=Count("pk", filter=Q(last_seen_at__gte=cutoff)),
            offline=Count("pk", filter=Q(status=MeterStatus.ACTIVE, last_seen_at__lt=cutoff)),
            never_seen=Count("pk", filter=Q(last_seen_at__isnull=True)),
            valves_closed=Count("pk", filter=Q(valve_state=ValveState.CLOSED)),
            low_credit=Count("pk", filter=Q(account__balance_idr__lt=threshold)),
        )
    )
    return Fleet(**{key: int(value or 0) for key, value in row.items()})


def _credit_sold(*, workspace: Workspace, today: date, month_start: date) -> tuple[int, int]:
    """Credit sold (amount credited, fees excluded) by top-ups settled today and this month."""
    day_from = workspace.day_start(today)
    row = Payment.objects.filter(
        tenant_id=workspace.tenant.pk,
        purpose=TOPUP_PURPOSE,
        settled_at__gte=workspace.day_start(month_start),
        settled_at__lt=workspace.day_end(today),
    ).aggregate(
        today=Sum("amount_minor", filter=Q(settled_at__gte=day_from)),
        month=Sum("amount_minor"),
    )
    return int(row["today"] or 0), int(row["month"] or 0)


def ops_dashboard_get(*, workspace: Workspace, now: datetime | None = None) -> Dashboard:
    """The dashboard of the tenant in scope (access checked by the caller): seven queries."""
    current = now or timezone.now()
    tenant_id = workspace.tenant.pk
    today = workspace.today(current)
    month_start = today.replace(day=1)
    sold_today, sold_month = _credit_sold(workspace=workspace, today=today, month_start=month_start)
    return Dashboard(
        today=today,
        month_start=month_start,
        customers=Customer.objects.filter(tenant_id=tenant_id).count(),
        fleet=fleet_of(workspace=workspace, now=current),
        credit_sold_today_idr=sold_today,
        credit_sold_month_idr=sold_month,
        usage_today=tenant_usage_between(tenant_id=tenant_id, date_from=today, date_to=today),
        usage_month=tenant_usage_between(tenant_id=tenant_id, date_from=month_start, date_to=today),
        daily=tenant_usage_daily(
            tenant_id=tenant_id,
            date_from=today - timedelta(days=CHART_DAYS - 1),
            date_to=today,
        ),
        recent_alerts=list(
            Alert.objects.filter(tenant_id=tenant_id)
            .select_related("meter")
            .order_by("-created_at", "-pk")[:RECENT_ALERTS]
        ),
    )
