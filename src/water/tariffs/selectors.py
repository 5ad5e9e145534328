"""Reads of tariffs: the tariff in force, and the tenant-scoped lists the API serves."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from core.accounts.models import User
from core.errors import NotFound
from water.tariffs.models import Tariff, TariffBlock


def _with_blocks(queryset: QuerySet[Tariff]) -> QuerySet[Tariff]:
    return queryset.prefetch_related(
        Prefetch("blocks", queryset=TariffBlock.objects.order_by("from_litres"))
    )


def _in_force_on(on: date) -> Q:
    return Q(effective_from__lte=on) & (Q(effective_to__isnull=True) | Q(effective_to__gte=on))


def tariff_for(tenant_id: int, customer_class: str, on: date) -> Tariff | None:
    """The tenant's tariff for this customer class in force on `on` (blocks prefetched)."""
    return (
        _with_blocks(Tariff.objects.filter(tenant_id=tenant_id, customer_class=customer_class))
        .filter(_in_force_on(on))
        .order_by("-effective_from", "-id")
        .first()
    )


def tariff_for_month(tenant_id: int, customer_class: str, month_start: date) -> Tariff | None:
    """The tariff that prices a whole local month: the one in force on its first day, or
    else the first one that takes effect during the month.

    A month is priced by one tariff so its charge depends only on its volume (no matter the
    order readings arrive in); a new tariff therefore applies from the next month unless
    nothing was in force before it.
    """
    found = tariff_for(tenant_id, customer_class, month_start)
    if found is not None:
        return found
    next_month = _next_month(month_start)
    return (
        _with_blocks(Tariff.objects.filter(tenant_id=tenant_id, customer_class=customer_class))
        .filter(effective_from__gt=month_start, effective_from__lt=next_month)
        .order_by("effective_from", "id")
        .first()
    )


def _next_month(month_start: date) -> date:
    if month_start.month == 12:
        return date(month_start.year + 1, 1, 1)
    return date(month_start.year, month_start.month + 1, 1)


def tariff_list_for(
    *, actor: User, tenant_id: int, customer_class: str | None = None
) -> QuerySet[Tariff]:
    """The tenant's tariffs (newest first per class) with their blocks."""
    queryset = Tariff.objects.filter(tenant_id=tenant_id)
    if customer_class:
        queryset = queryset.filter(customer_class=customer_class)
    return _with_blocks(queryset).order_by("customer_class", "-effective_from", "-id")


def tariff_get_for(*, actor: User, tenant_id: int, tariff_id: int) -> Tariff:
    """One of the tenant's tariffs; another tenant's answers NotFound like a missing one."""
    found = _with_blocks(Tariff.objects.filter(pk=tariff_id, tenant_id=tenant_id)).first()
    if found is None:
        raise NotFound("Tariff not found.")
    return found
