"""Reads of the customer workspace: my meters with their money and water, and my payments.

Only the signed-in customer's own meters (``Meter.customer.user``) are ever read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from core.accounts.models import User
from core.errors import NotFound
from core.payments.models import CLOSED_UNPAID, OPEN_STATES, PAID_STATES, Payment
from water.billing.models import PrepaidAccount
from water.billing.usage import meters_usage_between
from water.meters.models import Meter
from water.portal.customer.units import cubic_metres
from water.registry.models import Client
from water.tariffs.models import Tariff, TariffBlock

DEFAULT_TZ = "Asia/Jakarta"
RATE_DAYS = 14
STATE_GROUPS = {"paid": PAID_STATES, "open": OPEN_STATES, "unpaid": CLOSED_UNPAID}


@dataclass(frozen=True)
class CurrentBlock:
    """The tariff block this month's next litre falls in (numbered from 1)."""

    number: int
    from_litres: int
    to_litres: int | None
    price_per_m3_idr: int

    @property
    def from_m3(self) -> str:
        return cubic_metres(self.from_litres)

    @property
    def to_m3(self) -> str:
        return cubic_metres(self.to_litres) if self.to_litres is not None else ""


@dataclass(frozen=True)
class MeterOverview:
    """One of my meters as the dashboard shows it."""

    meter: Meter
    balance_idr: int
    low_balance_threshold_idr: int
    month_litres: int
    month_charge_idr: int
    recent_charge_idr: int  # consumption charges of the last RATE_DAYS local days
    block: CurrentBlock | None
    timezone: str

    @property
    def is_low(self) -> bool:
        return self.balance_idr < self.low_balance_threshold_idr

    @property
    def is_exhausted(self) -> bool:
        return self.balance_idr <= 0

    @property
    def month_m3(self) -> str:
        return cubic_metres(self.month_litres)

    @property
    def days_left(self) -> int | None:
        """Whole days the balance lasts at the recent rate; None without recent usage."""
        if self.balance_idr <= 0:
            return 0
        if self.recent_charge_idr <= 0:
            return None
        return self.balance_idr * RATE_DAYS // self.recent_charge_idr


def customer_meters_for(*, actor: User) -> list[Meter]:
    """The actor's own meters with property, tenant, customer and account (one query)."""
    return list(
        Meter.objects.filter(customer__user=actor)
        .select_related("property", "tenant", "customer", "account")
        .order_by("serial")
    )


def customer_meter_for(*, actor: User, meter_id: int | None) -> Meter | None:
    """One of the actor's meters (the first when `meter_id` is None); None if they have none.

    Anyone else's meter answers NotFound, like a missing one.
    """
    meters = customer_meters_for(actor=actor)
    if meter_id is None:
        return meters[0] if meters else None
    for meter in meters:
        if meter.pk == meter_id:
            return meter
    raise NotFound("Meter not found.")


def customer_timezone_for(*, meters: list[Meter]) -> str:
    """The timezone of the first meter's water authority (Asia/Jakarta without one)."""
    if not meters:
        return DEFAULT_TZ
    return (
        Client.objects.filter(tenant_id=meters[0].tenant_id)
        .values_list("timezone", flat=True)
        .first()
        or DEFAULT_TZ
    )


def _account(meter: Meter) -> PrepaidAccount | None:
    try:
        return meter.account
    except PrepaidAccount.DoesNotExist:
        return None


def _tariffs(meters: list[Meter]) -> list[Tariff]:
    classes = {m.customer.customer_class for m in meters if m.customer is not None}
    return list(
        Tariff.objects.filter(
            tenant_id__in={m.tenant_id for m in meters}, customer_class__in=classes
        ).prefetch_related(Prefetch("blocks", queryset=TariffBlock.objects.order_by("from_litres")))
    )


def _tariff_for_month(tariffs: list[Tariff], month_start: date) -> Tariff | None:
    """The rule of `tariff_for_month`, applied to rows already loaded."""
    in_force = [
        t
        for t in tariffs
        if t.effective_from <= month_start
        and (t.effective_to is None or t.effective_to >= month_start)
    ]
    if in_force:
        return max(in_force, key=lambda t: (t.effective_from, t.pk))
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    later = [t for t in tariffs if month_start < t.effective_from < next_month]
    return min(later, key=lambda t: (t.effective_from, t.pk)) if later else None


def _current_block(tariff: Tariff | None, litres: int) -> CurrentBlock | None:
    if tariff is None:
        return None
    for number, block in enumerate(tariff.blocks.all(), start=1):
        if block.to_litres is None or litres < block.to_litres:
            return CurrentBlock(number, block.from_litres, block.to_litres, block.price_per_m3_idr)
    return None


def customer_overview_for(*, actor: User, now: datetime | None = None) -> list[MeterOverview]:
    """My meters with balance, this month's water and charge, recent rate and tariff block.

    Five queries however many meters: meters, clients, recent usage, tariffs, blocks.
    """
    now = now or timezone.now()
    meters = customer_meters_for(actor=actor)
    if not meters:
        return []
    clients = {
        c.tenant_id: c for c in Client.objects.filter(tenant_id__in={m.tenant_id for m in meters})
    }
    by_zone: dict[str, list[int]] = defaultdict(list)
    for meter in meters:
        client = clients.get(meter.tenant_id)
        by_zone[client.timezone if client else DEFAULT_TZ].append(meter.pk)
    recent: dict[int, int] = {}
    for zone, ids in by_zone.items():
        today = now.astimezone(ZoneInfo(zone)).date()
        totals = meters_usage_between(
            meter_ids=ids, date_from=today - timedelta(days=RATE_DAYS - 1), date_to=today
        )
        recent.update({meter_id: total.charge_idr for meter_id, total in totals.items()})
    tariffs = _tariffs(meters)
    cards = []
    for meter in meters:
        client = clients.get(meter.tenant_id)
        zone = client.timezone if client else DEFAULT_TZ
        month_start = now.astimezone(ZoneInfo(zone)).date().replace(day=1)
        account = _account(meter)
        current = account is not None and account.month_start == month_start
        litres = account.month_litres if current and account else 0
        mine = [
            t
            for t in tariffs
            if t.tenant_id == meter.tenant_id
            and meter.customer is not None
            and t.customer_class == meter.customer.customer_class
        ]
        cards.append(
            MeterOverview(
                meter=meter,
                balance_idr=account.balance_idr if account else 0,
                low_balance_threshold_idr=client.low_balance_threshold_idr if client else 0,
                month_litres=litres,
                month_charge_idr=account.month_consumption_idr if current and account else 0,
                recent_charge_idr=recent.get(meter.pk, 0),
                block=_current_block(_tariff_for_month(mine, month_start), litres),
                timezone=zone,
            )
        )
    return cards


def customer_payment_list_for(
    *, actor: User, state: str = "", meter_id: int | None = None, search: str = ""
) -> QuerySet[Payment]:
    """The actor's own payments, newest first, optionally by state group, meter or reference."""
    payments = Payment.objects.filter(payer=actor)
    if state in STATE_GROUPS:
        payments = payments.filter(state__in=STATE_GROUPS[state])
    if meter_id is not None:
        payments = payments.filter(purpose="water.topup", purpose_ref=str(meter_id))
    if search:
        payments = payments.filter(
            Q(reference__icontains=search) | Q(description__icontains=search)
        )
    return payments.order_by("-created_at", "-id")
