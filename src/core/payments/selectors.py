"""Reads of payments: the payer's own, a tenant's for its staff, everything for superadmins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet

from core.accounts.models import User
from core.accounts.roles import STAFF_ROLES
from core.errors import NotFound
from core.payments.models import CLOSED_UNPAID, PAID_STATES, Payment


def _staff_tenants(actor: User) -> list[int]:
    return list(actor.memberships.filter(role__in=STAFF_ROLES).values_list("tenant_id", flat=True))


def payment_get_for(*, actor: User, reference: str) -> Payment:
    """A payment the actor paid, or one of a tenant they work for; others answer NotFound."""
    payment = Payment.objects.select_related("tenant", "payer").filter(reference=reference).first()
    if payment is None:
        raise NotFound("Payment not found.")
    if actor.is_superuser or payment.payer_id == actor.pk:
        return payment
    if payment.tenant_id in _staff_tenants(actor):
        return payment
    raise NotFound("Payment not found.")


def payment_list_mine(*, actor: User) -> QuerySet[Payment]:
    """The actor's own payments, newest first."""
    return Payment.objects.filter(payer=actor).select_related("tenant").order_by("-created_at")


def payment_list_for_tenant(
    *,
    tenant_id: int,
    state: str | None = None,
    gateway: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> QuerySet[Payment]:
    """A tenant's payments with optional filters (the route checks the actor's role)."""
    rows = Payment.objects.filter(tenant_id=tenant_id).select_related("payer")
    if state:
        rows = rows.filter(state=state)
    if gateway:
        rows = rows.filter(gateway=gateway)
    if date_from:
        rows = rows.filter(created_at__gte=date_from)
    if date_to:
        rows = rows.filter(created_at__lt=date_to)
    return rows.order_by("-created_at", "-id")


@dataclass(frozen=True)
class GatewayStats:
    gateway: str
    by_state: dict[str, int]
    success_rate: float | None  # paid / (paid + failed + expired + cancelled); None if none ended
    median_settle_seconds: float | None


def payment_stats_for(
    *, date_from: datetime, date_to: datetime, tenant_id: int | None = None
) -> list[GatewayStats]:
    """Payments by gateway and state, success rate and median time to settle."""
    rows = Payment.objects.filter(created_at__gte=date_from, created_at__lt=date_to)
    if tenant_id is not None:
        rows = rows.filter(tenant_id=tenant_id)
    counts: dict[str, dict[str, int]] = {}
    for row in rows.values("gateway", "state").annotate(n=Count("id")).order_by():
        counts.setdefault(row["gateway"], {})[row["state"]] = row["n"]
    result = []
    for gateway in sorted(counts):
        by_state = counts[gateway]
        paid = sum(by_state.get(s, 0) for s in PAID_STATES)
        unpaid = sum(by_state.get(s, 0) for s in CLOSED_UNPAID)
        durations = sorted(
            (p.settled_at - p.created_at).total_seconds()
            for p in rows.filter(gateway=gateway, settled_at__isnull=False).only(
                "created_at", "settled_at"
            )
            if p.settled_at is not None
        )
        median = durations[len(durations) // 2] if durations else None
        result.append(
            GatewayStats(
                gateway=gateway,
                by_state=by_state,
                success_rate=round(paid / (paid + unpaid), 4) if paid + unpaid else None,
                median_settle_seconds=median,
            )
        )
    return result
