"""Ninety days of a meter's life, fed through the billing engine as devices and customers would."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from water.billing.inputs import ReadingInput
from water.billing.models import EntryKind
from water.billing.services import account_credit, readings_apply
from water.demo.data import (
    CURVE,
    DAYS,
    DENOMINATIONS,
    TARIFFS,
)
from water.demo.world import Plan
from water.meters.models import Meter, ReadingSource, ValveState
from water.registry.models import (
    Client,
)
from water.valves.delivery import command_ack, commands_take
from water.valves.models import AlertKind, AlertSeverity, CommandKind, CommandPriority
from water.valves.services import alert_raise, valve_command_queue


def _rounded(wanted: int) -> int:
    """The smallest usual top-up amount covering `wanted` (big users pay in 500k steps)."""
    usual = [d for d in DENOMINATIONS if d >= wanted]
    return usual[0] if usual else -(-wanted // 500_000) * 500_000


def _topup(plan: Plan, amount: int, counter: list[int]) -> int:
    counter[0] += 1
    entry = account_credit(
        meter=plan.meter,
        amount_idr=amount,
        kind=EntryKind.TOPUP,
        idempotency_key=f"demo:{counter[0]}",
        memo="Top-up (demo)",
    )
    return entry.balance_after_idr


def _hours(
    rng: random.Random,
    plan: Plan,
    start: datetime,
    day: int,
    offset: int,
    balance: int,
    prices: tuple[int, int, int],
) -> list[ReadingInput]:
    """One day of hourly readings; no flow once the credit is gone (the valve is shut)."""
    low_price, top_price, day_cost = prices
    flowing = plan.fate != "vacated" or day < DAYS - 10
    flowing = flowing and not (plan.fate == "zero" and balance <= 0)
    burst = plan.fate == "zero" and day == DAYS - 3 and balance > 0
    extra = (balance * 1000 // low_price + 500) // 8 if burst else 0
    if plan.fate == "low" and day == DAYS - 1:  # filling the water tank (toren) today
        burst, extra = True, max(0, balance - 8_000 - day_cost) * 1000 // top_price // 8
    rows = []
    for hour in range(24):
        taken = start + timedelta(days=day, hours=hour)
        if taken > timezone.now():
            break
        local = (taken.hour + offset) % 24
        share = plan.daily_litres * CURVE[local] / sum(CURVE)
        litres = round(share * rng.uniform(0.5, 1.5)) if flowing else 0
        if burst and 9 <= local < 17:
            litres += extra
        plan.register += litres
        rows.append(
            ReadingInput(
                taken_at=taken,
                register_litres=plan.register,
                flow_lpm=round(litres / 60, 2),
                battery_pct=plan.battery - day // 6,
                signal_dbm=plan.signal + rng.randint(-3, 3),
            )
        )
    return rows


def simulate(rng: random.Random, plan: Plan, client: Client, counter: list[int]) -> None:
    """Feed 90 days of readings through billing, topping up as the customer would."""
    start = (timezone.now() - timedelta(days=DAYS)).replace(minute=0, second=0, microsecond=0)
    utc_offset = start.astimezone(ZoneInfo(client.timezone)).utcoffset() or timedelta()
    offset = int(utc_offset.total_seconds()) // 3600
    prices, _ = TARIFFS[
        plan.meter.customer.customer_class if plan.meter.customer else "residential"
    ]
    top_price, low_price = prices[2] * 11 // 10, prices[0]
    day_cost = plan.daily_litres * top_price // 1000 + 1
    balance, day = 0, 0
    while day < DAYS:
        span = 7 if day < DAYS - 14 else 1
        keep_topping = (
            plan.fate in ("normal", "offline")
            or (plan.fate == "low" and day < DAYS - 14)
            or (plan.fate == "zero" and day < DAYS - 30)
            or (plan.fate == "vacated" and day < DAYS - 10)
        )
        if keep_topping and balance < day_cost * span * 3 // 2 + 30_000:
            wanted = day_cost * rng.randint(9, 16) + 30_000
            balance = _topup(plan, _rounded(wanted), counter)
        elif plan.fate == "low" and balance < day_cost * 3:
            balance = _topup(plan, 20_000, counter)
        rows = [
            r
            for d in range(day, min(day + span, DAYS))
            for r in _hours(rng, plan, start, d, offset, balance, (low_price, top_price, day_cost))
        ]
        if plan.fate == "offline" and day >= DAYS - 2:
            rows = []
        if rows:
            balance = readings_apply(
                meter=plan.meter, readings=rows, source=ReadingSource.HTTP
            ).balance_idr
        day += span


VALVE_AFTER: dict[str, str] = {CommandKind.OPEN: "open", CommandKind.CLOSE: "closed"}


def _deliver(meter: Meter) -> int:
    """Answer the meter's queued commands as its device would; returns how many."""
    delivered = 0
    for command in commands_take(meter=meter):
        state = VALVE_AFTER.get(command.kind, meter.valve_state)
        command_ack(meter=meter, command_id=command.pk, status="acknowledged", valve_state=state)
        delivered += 1
    return delivered


def aftermath(rng: random.Random, plans: list[Plan]) -> None:
    """Close exhausted valves, deliver every queued command, and raise the device alerts."""
    now = timezone.now()
    for plan in plans:
        meter = plan.meter
        meter.refresh_from_db()
        balance = meter.account.balance_idr
        if plan.fate == "zero" and balance <= 0 and meter.valve_state != ValveState.CLOSED:
            valve_command_queue(
                meter=meter,
                kind=CommandKind.CLOSE,
                reason="credit exhausted",
                priority=CommandPriority.HIGH,
            )
        _deliver(meter)
        if plan.fate == "zero":
            alert_raise(
                meter=meter,
                kind=AlertKind.LEAK,
                message="Continuous flow for 8 hours: a burst pipe is suspected.",
                data={"hours": 8},
            )
        if plan.fate == "offline":
            Meter.objects.filter(pk=meter.pk).update(last_seen_at=meter.last_reading_at)
            alert_raise(meter=meter, kind=AlertKind.OFFLINE, message="No report for 48 hours.")
    normal = [p.meter for p in plans if p.fate == "normal"]
    for meter, battery in zip(rng.sample(normal, 2), (12, 15), strict=True):
        Meter.objects.filter(pk=meter.pk).update(battery_pct=battery)
        alert_raise(
            meter=meter,
            kind=AlertKind.LOW_BATTERY,
            message=f"Battery at {battery} %.",
            data={"battery_pct": battery},
        )
    alert_raise(
        meter=rng.choice(normal),
        kind=AlertKind.TAMPER,
        severity=AlertSeverity.CRITICAL,
        message="The meter housing was opened.",
        data={"flag": "door_open", "at": now.isoformat()},
    )
