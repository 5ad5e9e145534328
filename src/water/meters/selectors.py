"""Reads of meters, always through the acting user and the tenant in scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.accounts.models import Membership
from core.accounts.roles import Role
from core.errors import NotFound
from water.meters.models import Meter, MeterStatus
from water.valves.models import OPEN_COMMAND_STATUSES, Alert, AlertStatus, ValveCommand

if TYPE_CHECKING:
    from datetime import datetime

    from core.accounts.models import User

STAFF_ROLES = (Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR)
ONLINE_WINDOW = timedelta(minutes=30)


def tenant_scope_check(*, actor: User, tenant_id: int) -> None:
    """Refuse (404, like a missing tenant) an actor who is not staff of the tenant."""
    if actor.is_superuser:
        return
    staff = Membership.objects.filter(user=actor, tenant_id=tenant_id, role__in=STAFF_ROLES)
    if not staff.exists():
        raise NotFound("Not found.")


@dataclass(frozen=True)
class MeterQuery:
    """Filters of the staff meter list; None means "any"."""

    status: str | None = None
    valve_state: str | None = None
    property_id: int | None = None
    customer_id: int | None = None
    serial_prefix: str | None = None


def _with_relations(queryset: QuerySet[Meter]) -> QuerySet[Meter]:
    return queryset.select_related("property", "customer", "account")


def meter_list_for(*, actor: User, tenant_id: int, query: MeterQuery) -> QuerySet[Meter]:
    """The tenant's meters matching `query`, with property, customer and account joined."""
    tenant_scope_check(actor=actor, tenant_id=tenant_id)
    meters = Meter.objects.filter(tenant_id=tenant_id)
    if query.status:
        meters = meters.filter(status=query.status)
    if query.valve_state:
        meters = meters.filter(valve_state=query.valve_state)
    if query.property_id is not None:
        meters = meters.filter(property_id=query.property_id)
    if query.customer_id is not None:
        meters = meters.filter(customer_id=query.customer_id)
    if query.serial_prefix:
        meters = meters.filter(serial__istartswith=query.serial_prefix)
    return _with_relations(meters).order_by("serial", "pk")


def _count_of(queryset: QuerySet[ValveCommand] | QuerySet[Alert]) -> Coalesce:
    counted = (
        queryset.filter(meter_id=OuterRef("pk"))
        .order_by()
        .values("meter_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def meter_get_for(*, actor: User, tenant_id: int, meter_id: int) -> Meter:
    """One meter of the tenant with `pending_commands` and `open_alerts` counted.

    Another tenant's meter answers exactly like a missing one.
    """
    tenant_scope_check(actor=actor, tenant_id=tenant_id)
    meter = (
        _with_relations(Meter.objects.filter(pk=meter_id, tenant_id=tenant_id))
        .select_related("replaced_by")
        .annotate(
            pending_commands=_count_of(
                ValveCommand.objects.filter(status__in=OPEN_COMMAND_STATUSES)
            ),
            open_alerts=_count_of(Alert.objects.exclude(status=AlertStatus.RESOLVED)),
        )
        .first()
    )
    if meter is None:
        raise NotFound("Meter not found.")
    return meter


def meter_is_online(*, meter: Meter, now: datetime | None = None) -> bool:
    """A meter is online when it was heard from within the last 30 minutes."""
    if meter.last_seen_at is None:
        return False
    return (now or timezone.now()) - meter.last_seen_at <= ONLINE_WINDOW


def meter_list_of_customer(*, actor: User) -> QuerySet[Meter]:
    """The actor's own meters (Customer.user is the actor) in every water authority."""
    return (
        _with_relations(Meter.objects.filter(customer__user=actor))
        .exclude(status=MeterStatus.RETIRED)
        .select_related("tenant")
        .order_by("tenant_id", "serial", "pk")
    )


__all__ = [
    "MeterQuery",
    "meter_get_for",
    "meter_is_online",
    "meter_list_for",
    "meter_list_of_customer",
    "tenant_scope_check",
]
