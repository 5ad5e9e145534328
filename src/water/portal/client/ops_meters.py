"""Reads behind the staff meter pages: the filtered list and one meter's whole story."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.accounts.models import User
from water.billing.models import LedgerEntry
from water.billing.selectors import ledger_list_for
from water.billing.usage import UsageBucket, meter_usage_series, meters_usage_between
from water.meters.devices.sweeps import OFFLINE_AFTER
from water.meters.models import Meter, MeterStatus, ValveState
from water.meters.selectors import MeterQuery, meter_get_for, meter_list_for
from water.portal.client.ops_common import Workspace, volume_m3
from water.registry.models import Customer, Property, VerificationStatus
from water.valves.models import Alert, ValveCommand
from water.valves.selectors import AlertQuery, alert_list_for, command_list_for

ONLINE, OFFLINE, NEVER = "online", "offline", "never"
LINK_CHOICES = (ONLINE, OFFLINE, NEVER)
LEDGER_ROWS = 20
COMMAND_ROWS = 20
ALERT_ROWS = 10
SERIES_DAYS = 30
PROPERTY_HINTS = 200


@dataclass(frozen=True)
class MeterFilters:
    """The meter list's search and filters, as read from the query string."""

    q: str = ""
    status: str = ""
    valve: str = ""
    link: str = ""
    low_credit: bool = False

    @classmethod
    def read(cls, params: dict[str, str]) -> MeterFilters:
        """Unknown values are ignored rather than refused: a bookmarked URL keeps working."""
        status = params.get("status", "")
        valve = params.get("valve", "")
        link = params.get("link", "")
        return cls(
            q=params.get("q", "").strip()[:64],
            status=status if status in MeterStatus.values else "",
            valve=valve if valve in ValveState.values else "",
            link=link if link in LINK_CHOICES else "",
            low_credit=params.get("low_credit") == "1",
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.status or self.valve or self.link or self.low_credit)


def ops_meter_list(
    *, actor: User, workspace: Workspace, filters: MeterFilters, now: datetime | None = None
) -> QuerySet[Meter]:
    """The tenant's meters matching `filters`, property, customer and account joined."""
    meters = meter_list_for(
        actor=actor,
        tenant_id=workspace.tenant.pk,
        query=MeterQuery(status=filters.status or None, valve_state=filters.valve or None),
    )
    if filters.q:
        meters = meters.filter(
            Q(serial__icontains=filters.q)
            | Q(customer__full_name__icontains=filters.q)
            | Q(customer__customer_number__icontains=filters.q)
        )
    cutoff = (now or timezone.now()) - OFFLINE_AFTER
    if filters.link == ONLINE:
        meters = meters.filter(last_seen_at__gte=cutoff)
    elif filters.link == OFFLINE:
        meters = meters.filter(status=MeterStatus.ACTIVE, last_seen_at__lt=cutoff)
    elif filters.link == NEVER:
        meters = meters.filter(last_seen_at__isnull=True)
    if filters.low_credit:
        meters = meters.filter(
            account__balance_idr__lt=workspace.client.low_balance_threshold_idr
        ).exclude(status=MeterStatus.RETIRED)
    return meters


def link_of(meter: Meter, now: datetime) -> str:
    """online, offline or never (heard from), by the offline sweep's rule."""
    if meter.last_seen_at is None:
        return NEVER
    return ONLINE if now - meter.last_seen_at <= OFFLINE_AFTER else OFFLINE


@dataclass(frozen=True)
class MeterRow:
    """One meter as the list and the detail header show it."""

    meter: Meter
    balance_idr: int | None
    low_credit: bool
    link: str
    register_m3: str


def meter_row(meter: Meter, *, workspace: Workspace, now: datetime) -> MeterRow:
    """The display facts of a meter whose account is joined."""
    account = getattr(meter, "account", None)
    balance = None if account is None else account.balance_idr
    return MeterRow(
        meter=meter,
        balance_idr=balance,
        low_credit=balance is not None
        and balance < workspace.client.low_balance_threshold_idr
        and meter.status != MeterStatus.RETIRED,
        link=link_of(meter, now),
        register_m3=volume_m3(meter.last_register_litres),
    )


@dataclass(frozen=True)
class ChartPoint:
    """One day of the usage chart (litres, and m³ for the table)."""

    day: date
    litres: int
    m3: str
    charge_idr: int


@dataclass(frozen=True)
class MeterStory:
    """A meter with its ledger, valve commands, alerts and the last 30 days of usage."""

    row: MeterRow
    ledger: list[LedgerEntry]
    commands: list[ValveCommand]
    alerts: list[Alert]
    series: list[ChartPoint]
    month_m3: str
    month_charge_idr: int


def points_of(buckets: list[UsageBucket]) -> list[ChartPoint]:
    return [
        ChartPoint(
            day=b.period_start, litres=b.litres, m3=volume_m3(b.litres), charge_idr=b.charge_idr
        )
        for b in buckets
    ]


def ops_meter_get(*, actor: User, workspace: Workspace, meter_id: int) -> MeterRow:
    """One meter of the tenant as a row (another tenant's meter answers 404)."""
    meter = meter_get_for(actor=actor, tenant_id=workspace.tenant.pk, meter_id=meter_id)
    return meter_row(meter, workspace=workspace, now=timezone.now())


def ops_meter_commands(*, actor: User, workspace: Workspace, meter_id: int) -> list[ValveCommand]:
    """The meter's latest valve commands with whoever asked for them."""
    commands = command_list_for(actor=actor, tenant_id=workspace.tenant.pk, meter_id=meter_id)
    return list(commands.select_related("requested_by")[:COMMAND_ROWS])


def ops_meter_story(*, actor: User, workspace: Workspace, meter_id: int) -> MeterStory:
    """Everything the meter page shows, in a fixed number of queries."""
    row = ops_meter_get(actor=actor, workspace=workspace, meter_id=meter_id)
    meter = row.meter
    today = workspace.today()
    alerts = alert_list_for(
        actor=actor, tenant_id=workspace.tenant.pk, query=AlertQuery(meter_id=meter.pk)
    )
    month = meters_usage_between(
        meter_ids=[meter.pk], date_from=today.replace(day=1), date_to=today
    )[meter.pk]
    return MeterStory(
        row=row,
        ledger=list(ledger_list_for(meter=meter).select_related("actor")[:LEDGER_ROWS]),
        commands=ops_meter_commands(actor=actor, workspace=workspace, meter_id=meter.pk),
        alerts=list(alerts[:ALERT_ROWS]),
        series=points_of(
            meter_usage_series(
                meter_id=meter.pk,
                period="daily",
                date_from=today - timedelta(days=SERIES_DAYS - 1),
                date_to=today,
            )
        ),
        month_m3=volume_m3(month.litres),
        month_charge_idr=month.charge_idr,
    )


def ops_property_hints(*, workspace: Workspace) -> list[Property]:
    """Approved properties of the tenant a meter may be installed at (for the form's hints)."""
    return list(
        Property.objects.filter(
            tenant_id=workspace.tenant.pk, verification_status=VerificationStatus.APPROVED
        )
        .only("pk", "code", "name")
        .order_by("code")[:PROPERTY_HINTS]
    )


def ops_property_by_code(*, workspace: Workspace, code: str) -> Property | None:
    """The tenant's property with this code (case-insensitive), or None."""
    return Property.objects.filter(tenant_id=workspace.tenant.pk, code__iexact=code).first()


def ops_customer_by_number(*, workspace: Workspace, number: str) -> Customer | None:
    """The tenant's customer with this customer number (case-insensitive), or None."""
    return Customer.objects.filter(
        tenant_id=workspace.tenant.pk, customer_number__iexact=number
    ).first()
