"""IndoWater events: what customers and staff are told about balances and meters.

Balance events go to the meter's customer (their portal account, when they have one); meter
alerts (offline, leak, tamper) also go to the tenant's staff (client admins and operators).
The receivers run after the billing or alert transaction commits, each in a transaction of
its own, with a dedupe key per episode: the alert behind it, so a repeated signal tells no
one twice while a second exhaustion after a top-up is news again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.accounts.models import User
from core.accounts.roles import Role
from core.notifications.events import EMAIL, IN_APP, PUSH, SMS, Category, EventType, register
from core.notifications.models import Notification
from core.notifications.services import notify
from water.billing import signals as billing_signals
from water.meters.models import Meter, ValveState
from water.registry.models import Client
from water.valves import signals as valve_signals
from water.valves.models import OPEN_COMMAND_STATUSES, Alert, AlertKind, CommandKind, ValveCommand

logger = structlog.get_logger(__name__)

BALANCE_LOW = "water.balance_low"
CREDIT_EXHAUSTED = "water.credit_exhausted"  # the valve is being closed
CREDIT_EXHAUSTED_HELD = "water.credit_exhausted_held"  # friendly credit holds it open
CREDIT_RESTORED = "water.credit_restored"
METER_OFFLINE = "water.meter_offline"
LEAK_SUSPECTED = "water.leak_suspected"
TAMPER_SUSPECTED = "water.tamper_suspected"

DEFAULT_TIMEZONE = "Asia/Jakarta"
STAFF_ROLES = (Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR)
BALANCE_DEFAULTS = frozenset({EMAIL, PUSH, IN_APP})
METER_DEFAULTS = frozenset({EMAIL, IN_APP})
EXHAUSTED_TITLE = _("Water credit used up on meter %(serial)s")

register(
    EventType(
        key=BALANCE_LOW,
        category=Category.BALANCE,
        title=_("Low balance on water meter %(serial)s"),
        body=_(
            "The balance of water meter %(serial)s is down to %(balance)s. Top up soon so "
            "your water keeps flowing: pay in the customer portal or at any payment point "
            "with your customer number %(customer_number)s."
        ),
        defaults=BALANCE_DEFAULTS,
    ),
    EventType(
        key=CREDIT_EXHAUSTED,
        category=Category.BALANCE,
        title=EXHAUSTED_TITLE,
        body=_(
            "The balance of water meter %(serial)s is %(balance)s: zero or below. The valve "
            "is being closed. Top up with your customer number %(customer_number)s to have "
            "it reopened."
        ),
        defaults=BALANCE_DEFAULTS | {SMS},
        urgent=True,
    ),
    EventType(
        key=CREDIT_EXHAUSTED_HELD,
        category=Category.BALANCE,
        title=EXHAUSTED_TITLE,
        body=_(
            "The balance of water meter %(serial)s is %(balance)s: zero or below. Friendly "
            "credit holds the valve open for now; it will be closed when that ends. Top up "
            "with your customer number %(customer_number)s to keep your water flowing."
        ),
        defaults=BALANCE_DEFAULTS | {SMS},
        urgent=True,
    ),
    EventType(
        key=CREDIT_RESTORED,
        category=Category.BALANCE,
        title=_("Water supply restored on meter %(serial)s"),
        body=_(
            "The balance of water meter %(serial)s is back to %(balance)s and the valve is "
            "being reopened."
        ),
        defaults=BALANCE_DEFAULTS,
    ),
    EventType(
        key=METER_OFFLINE,
        category=Category.METER,
        title=_("Water meter %(serial)s is offline"),
        body=_(
            "Water meter %(serial)s has not reported since %(last_seen_at)s, so its readings "
            "and valve commands wait until it is back online. Check its power and signal if "
            "it stays offline."
        ),
        defaults=METER_DEFAULTS,
    ),
    EventType(
        key=LEAK_SUSPECTED,
        category=Category.METER,
        title=_("Possible leak at water meter %(serial)s"),
        body=_(
            "The night check at %(detected_at)s found that water ran through meter "
            "%(serial)s without a break all night (01:00 to 04:00 local time). That usually "
            "means a leak: check taps, pipes and tanks."
        ),
        defaults=METER_DEFAULTS,
        urgent=True,
    ),
    EventType(
        key=TAMPER_SUSPECTED,
        category=Category.METER,
        title=_("Tampering suspected at water meter %(serial)s"),
        body=_(
            "At %(detected_at)s water meter %(serial)s reported tampering or an opened "
            "housing. The water authority will inspect it."
        ),
        defaults=METER_DEFAULTS,
        urgent=True,
    ),
)

ALERT_EVENTS: dict[str, str] = {
    AlertKind.OFFLINE: METER_OFFLINE,
    AlertKind.LEAK: LEAK_SUSPECTED,
    AlertKind.TAMPER: TAMPER_SUSPECTED,
}


# Recipients and context ---------------------------------------------------------------------


def _meter(meter_id: int) -> Meter:
    return Meter.objects.select_related("tenant", "customer__user").get(pk=meter_id)


def _timezone(tenant_id: int) -> str:
    zone = Client.objects.filter(tenant_id=tenant_id).values_list("timezone", flat=True).first()
    return zone or DEFAULT_TIMEZONE


def _customer_user(meter: Meter) -> User | None:
    return meter.customer.user if meter.customer is not None else None


def _staff(tenant_id: int) -> list[User]:
    """The tenant's client admins and operators."""
    return list(
        User.objects.filter(memberships__tenant_id=tenant_id, memberships__role__in=STAFF_ROLES)
        .distinct()
        .order_by("pk")
    )


def _context(meter: Meter, **values: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"serial": meter.serial, "timezone": _timezone(meter.tenant_id)}
    if meter.customer is not None:
        context["customer_number"] = meter.customer.customer_number
    return {**context, **values}


def _link(meter_id: int) -> str:
    return f"/water/meters/{meter_id}/"


def _latest_alert_id(meter_id: int, kind: str) -> int | None:
    """The alert that marks the current episode of this kind (the newest one)."""
    return (
        Alert.objects.filter(meter_id=meter_id, kind=kind)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )


def _close_under_way(meter: Meter) -> bool:
    """Whether the rules queued a close (or the valve is closed): no friendly credit holds it."""
    if meter.valve_state == ValveState.CLOSED:
        return True
    return ValveCommand.objects.filter(
        meter=meter, kind=CommandKind.CLOSE, status__in=OPEN_COMMAND_STATUSES
    ).exists()


def _told(user: User, events: tuple[str, ...], dedupe_key: str) -> bool:
    return Notification.objects.filter(user=user, event__in=events, dedupe_key=dedupe_key).exists()


# Receivers ----------------------------------------------------------------------------------

Receiver = Callable[..., None]


def _guarded(receiver: Receiver) -> Receiver:
    """Run a receiver in its own transaction; a failure is logged, never raised.

    The receivers run in on-commit callbacks: raising would fail a request or batch whose
    data is already committed, and skip the callbacks queued after it.
    """

    def run(sender: object, **kwargs: Any) -> None:
        try:
            with transaction.atomic():
                receiver(sender, **kwargs)
        except Exception:
            logger.exception("water_event_failed", receiver=receiver.__name__, **kwargs)

    run.__name__ = receiver.__name__
    return run


def _balance_notify(event: str, meter: Meter, balance_idr: int, episode: str) -> None:
    user = _customer_user(meter)
    if user is None:
        return
    context = _context(meter, balance={"minor": balance_idr, "currency": "IDR"})
    notify(
        user,
        event,
        context,
        tenant=meter.tenant,
        link=_link(meter.pk),
        dedupe_key=episode,
    )


@_guarded
def on_balance_low(sender: object, *, meter_id: int, balance_idr: int, **kwargs: Any) -> None:
    alert_id = _latest_alert_id(meter_id, AlertKind.LOW_BALANCE)
    _balance_notify(BALANCE_LOW, _meter(meter_id), balance_idr, f"low:{meter_id}:{alert_id}")


@_guarded
def on_credit_exhausted(sender: object, *, meter_id: int, balance_idr: int, **kwargs: Any) -> None:
    meter = _meter(meter_id)
    user = _customer_user(meter)
    episode = f"exhausted:{meter_id}:{_latest_alert_id(meter_id, AlertKind.ZERO_BALANCE)}"
    # One message per exhaustion, whichever of the two it was when first told.
    if user is None or _told(user, (CREDIT_EXHAUSTED, CREDIT_EXHAUSTED_HELD), episode):
        return
    event = CREDIT_EXHAUSTED if _close_under_way(meter) else CREDIT_EXHAUSTED_HELD
    _balance_notify(event, meter, balance_idr, episode)


@_guarded
def on_credit_restored(sender: object, *, meter_id: int, balance_idr: int, **kwargs: Any) -> None:
    # The exhaustion this restore ends (0 for a first top-up of a new, empty account).
    ended = _latest_alert_id(meter_id, AlertKind.ZERO_BALANCE) or 0
    _balance_notify(CREDIT_RESTORED, _meter(meter_id), balance_idr, f"restored:{meter_id}:{ended}")


@_guarded
def on_alert_raised(sender: object, *, alert_id: int, kind: str, **kwargs: Any) -> None:
    event = ALERT_EVENTS.get(kind)
    if event is None:
        return
    alert = Alert.objects.select_related("meter__tenant", "meter__customer__user").get(pk=alert_id)
    meter = alert.meter
    detected_at = alert.created_at.isoformat()
    last_seen = meter.last_seen_at.isoformat() if meter.last_seen_at else detected_at
    context = _context(
        meter,
        detected_at=detected_at,
        last_seen_at=alert.data.get("last_seen_at") or last_seen,
    )
    recipients = {user.pk: user for user in _staff(meter.tenant_id)}
    customer = _customer_user(meter)
    if customer is not None:
        recipients.setdefault(customer.pk, customer)
    for user in sorted(recipients.values(), key=lambda u: u.pk):
        notify(
            user,
            event,
            context,
            tenant=meter.tenant,
            link=_link(meter.pk),
            dedupe_key=f"alert:{alert.pk}",
        )


def receivers_connect() -> None:
    """Subscribe the water notifications to the billing and valve signals (from ready())."""
    billing_signals.balance_low.connect(on_balance_low, dispatch_uid="water.events.balance_low")
    billing_signals.credit_exhausted.connect(
        on_credit_exhausted, dispatch_uid="water.events.credit_exhausted"
    )
    billing_signals.credit_restored.connect(
        on_credit_restored, dispatch_uid="water.events.credit_restored"
    )
    valve_signals.alert_raised.connect(on_alert_raised, dispatch_uid="water.events.alert_raised")
