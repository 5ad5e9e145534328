"""Friendly credit and what a balance change sets off: alerts, valve commands, signals."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db import transaction

from water.billing import signals
from water.billing.models import PrepaidAccount
from water.meters.models import Meter, ValveState
from water.registry.models import Client, ClientHoliday
from water.valves.models import (
    OPEN_COMMAND_STATUSES,
    Alert,
    AlertKind,
    AlertSeverity,
    AlertStatus,
    CommandKind,
    CommandPriority,
    ValveCommand,
)
from water.valves.services import alert_raise, alert_resolve_kind, valve_command_queue

CLOSE_REASON = "credit exhausted"
OPEN_REASON = "credit restored"


def _as_time(value: time | str) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def _in_window(now: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= now < end
    return now >= start or now < end  # the window crosses midnight, e.g. 18:00-07:00


def disconnection_allowed(
    client: Client, holidays: Collection[date], now_utc: datetime, balance_idr: int
) -> tuple[bool, str]:
    """Whether the valve may be closed now for want of credit, and why (not).

    Friendly credit holds the valve open: while the balance is above -emergency credit, in the
    client's local no-disconnect window (which may cross midnight), on Sundays when the client
    says so, and on the client's holidays. Local time is the client's timezone.
    """
    if balance_idr > 0:
        return False, "balance positive"
    if balance_idr > -int(client.emergency_credit_idr):
        return False, "emergency credit"
    local = now_utc.astimezone(ZoneInfo(client.timezone or "Asia/Jakarta"))
    if local.date() in holidays:
        return False, "holiday"
    if client.no_disconnect_sundays and local.weekday() == 6:
        return False, "sunday"
    window = (_as_time(client.no_disconnect_from), _as_time(client.no_disconnect_until))
    if _in_window(local.time().replace(tzinfo=None), *window):
        return False, "no-disconnect hours"
    return True, "allowed"


def client_for(tenant_id: int) -> Client:
    """The tenant's billing rules; a tenant without a profile gets the defaults (unsaved)."""
    found = Client.objects.filter(tenant_id=tenant_id).first()
    return found if found is not None else Client(tenant_id=tenant_id)


def holidays_on(client: Client, now_utc: datetime) -> set[date]:
    """The client's holidays among today's local date (what disconnection_allowed needs)."""
    local_day = now_utc.astimezone(ZoneInfo(client.timezone or "Asia/Jakarta")).date()
    return set(
        ClientHoliday.objects.filter(tenant_id=client.tenant_id, date=local_day).values_list(
            "date", flat=True
        )
    )


def _send_after_commit(signal: object, meter: Meter, balance_idr: int) -> None:
    def send() -> None:
        signal.send(  # type: ignore[attr-defined]
            sender=PrepaidAccount,
            meter_id=meter.pk,
            tenant_id=meter.tenant_id,
            balance_idr=balance_idr,
        )

    transaction.on_commit(send)


def close_if_allowed(*, meter: Meter, client: Client, now_utc: datetime, balance_idr: int) -> bool:
    """Queue a HIGH priority close when friendly credit no longer holds the valve open.

    Returns whether a new close was queued (none when the valve is closed or closing).
    """
    if meter.valve_state == ValveState.CLOSED:
        return False
    pending = ValveCommand.objects.filter(
        meter=meter, kind=CommandKind.CLOSE, status__in=OPEN_COMMAND_STATUSES
    )
    if pending.exists():
        return False
    allowed, _ = disconnection_allowed(client, holidays_on(client, now_utc), now_utc, balance_idr)
    if allowed:
        valve_command_queue(
            meter=meter, kind=CommandKind.CLOSE, reason=CLOSE_REASON, priority=CommandPriority.HIGH
        )
    return allowed


def _exhaustion_open(meter: Meter) -> bool:
    return (
        Alert.objects.filter(meter=meter, kind=AlertKind.ZERO_BALANCE)
        .exclude(status=AlertStatus.RESOLVED)
        .exists()
    )


def balance_changed(
    *,
    account: PrepaidAccount,
    meter: Meter,
    client: Client,
    before_idr: int,
    now_utc: datetime,
) -> list[str]:
    """React to the account's new balance inside the caller's transaction.

    Falling below the threshold raises LOW_BALANCE once (until restored); reaching zero raises
    ZERO_BALANCE and sends credit_exhausted (once until restored), and closes the valve unless
    friendly credit holds it.
    Rising above zero resolves ZERO_BALANCE, opens the valve and sends credit_restored;
    reaching the threshold resolves LOW_BALANCE. Returns the account fields it changed.
    """
    after = account.balance_idr
    changed: list[str] = []
    threshold = int(client.low_balance_threshold_idr)
    if after < threshold and not account.low_balance_alerted:
        alert_raise(
            meter=meter,
            kind=AlertKind.LOW_BALANCE,
            message=f"Balance Rp {after:,} is below Rp {threshold:,}.",
            data={"balance_idr": after},
        )
        account.low_balance_alerted = True
        changed.append("low_balance_alerted")
        _send_after_commit(signals.balance_low, meter, after)
    elif after >= threshold and account.low_balance_alerted:
        alert_resolve_kind(meter=meter, kind=AlertKind.LOW_BALANCE)
        account.low_balance_alerted = False
        changed.append("low_balance_alerted")
    if after <= 0:
        # Once per exhaustion: the alert stays open until a credit restores the balance.
        if not _exhaustion_open(meter):
            alert_raise(
                meter=meter,
                kind=AlertKind.ZERO_BALANCE,
                severity=AlertSeverity.CRITICAL,
                message=f"Credit exhausted: balance Rp {after:,}.",
                data={"balance_idr": after},
            )
            _send_after_commit(signals.credit_exhausted, meter, after)
        close_if_allowed(meter=meter, client=client, now_utc=now_utc, balance_idr=after)
    elif before_idr <= 0:
        alert_resolve_kind(meter=meter, kind=AlertKind.ZERO_BALANCE)
        valve_command_queue(meter=meter, kind=CommandKind.OPEN, reason=OPEN_REASON)
        _send_after_commit(signals.credit_restored, meter, after)
    return changed
