"""Reads of the platform workspace: every water authority at once, for the superadmin only.

The overview counts each client's customers, meters, closed valves and open alerts with
correlated subqueries in one statement, and its month's top-ups in a second one grouped by
tenant, so the number of queries does not grow with the number of clients.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.audit.models import AuditEvent
from core.audit.selectors import audit_event_list_for
from core.errors import NotFound, PermissionDenied
from water.meters.models import Meter, MeterStatus, ValveState
from water.meters.selectors import ONLINE_WINDOW
from water.registry.models import Client, Customer, Property, PropertyDocument, PropertyEvent
from water.registry.selectors import QUEUE_STATUSES, property_verification_queue
from water.valves.models import Alert, AlertStatus

if TYPE_CHECKING:
    from core.accounts.models import User

TOPUP_PURPOSE = "water.topup"


def _require_superadmin(actor: User) -> None:
    if not (actor.is_active and actor.is_superuser):
        raise PermissionDenied("Only the platform superadmin may see this.")


def _count(queryset: QuerySet[Any], field: str = "tenant_id", outer: str = "tenant_id") -> Coalesce:
    counted = (
        queryset.filter(**{field: OuterRef(outer)})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def month_start(zone: str, now: dt.datetime) -> dt.datetime:
    """The first instant of `now`'s month in the time zone `zone`."""
    local = now.astimezone(ZoneInfo(zone or "Asia/Jakarta"))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class ClientFigures:
    """One water authority's row on the overview."""

    client: Client
    customers: int
    meters: int
    online: int
    valves_closed: int
    open_alerts: int
    topup_minor: int
    topup_count: int

    @property
    def offline(self) -> int:
        return self.meters - self.online


@dataclass(frozen=True)
class Overview:
    """Every client's figures, the platform totals and the verification queue's length."""

    rows: list[ClientFigures]
    totals: dict[str, int]
    awaiting_verification: int
    month: dt.datetime


def client_figures_queryset(now: dt.datetime) -> QuerySet[Client]:
    """Clients with their customer, meter, valve and alert counts annotated."""
    in_service = Meter.objects.exclude(status=MeterStatus.RETIRED)
    return (
        Client.objects.select_related("tenant")
        .annotate(
            n_customers=_count(Customer.objects.all()),
            n_meters=_count(in_service),
            n_online=_count(in_service.filter(last_seen_at__gte=now - ONLINE_WINDOW)),
            n_closed=_count(in_service.filter(valve_state=ValveState.CLOSED)),
            n_alerts=_count(Alert.objects.exclude(status=AlertStatus.RESOLVED)),
            fee_percent=ExpressionWrapper(
                F("service_fee_value") / Value(100.0), output_field=FloatField()
            ),
        )
        .order_by("tenant__name", "pk")
    )


def _topups_this_month(clients: list[Client], now: dt.datetime) -> dict[int, tuple[int, int]]:
    """{tenant id: (amount, count)} of top-ups settled since the 1st of each client's month."""
    if not clients:
        return {}
    by_zone: dict[str, list[int]] = {}
    for client in clients:
        by_zone.setdefault(client.timezone, []).append(client.tenant_id)
    window = Q()
    for zone, tenant_ids in by_zone.items():
        window |= Q(tenant_id__in=tenant_ids, settled_at__gte=month_start(zone, now))
    from core.payments.models import Payment

    rows = (
        Payment.objects.filter(window, purpose=TOPUP_PURPOSE, settled_at__lte=now)
        .order_by()
        .values("tenant_id")
        .annotate(total=Sum("amount_minor"), n=Count("pk"))
    )
    return {row["tenant_id"]: (row["total"] or 0, row["n"]) for row in rows}


def platform_overview(*, actor: User, now: dt.datetime | None = None) -> Overview:
    """Figures of every water authority and of the platform (three queries in all)."""
    _require_superadmin(actor)
    now = now or timezone.now()
    clients = list(client_figures_queryset(now))
    topups = _topups_this_month(clients, now)
    rows = [
        ClientFigures(
            client=c,
            customers=c.n_customers,  # type: ignore[attr-defined]
            meters=c.n_meters,  # type: ignore[attr-defined]
            online=c.n_online,  # type: ignore[attr-defined]
            valves_closed=c.n_closed,  # type: ignore[attr-defined]
            open_alerts=c.n_alerts,  # type: ignore[attr-defined]
            topup_minor=topups.get(c.tenant_id, (0, 0))[0],
            topup_count=topups.get(c.tenant_id, (0, 0))[1],
        )
        for c in clients
    ]
    names = ("customers", "meters", "online", "offline", "valves_closed", "open_alerts")
    totals = {name: sum(getattr(r, name) for r in rows) for name in names}
    totals["topup_minor"] = sum(r.topup_minor for r in rows)
    totals["topup_count"] = sum(r.topup_count for r in rows)
    totals["clients"] = len(rows)
    totals["active_clients"] = sum(1 for r in rows if r.client.status == "active")
    waiting = Property.objects.filter(verification_status__in=QUEUE_STATUSES).count()
    return Overview(rows, totals, waiting, month_start("Asia/Jakarta", now))


def platform_client_list(
    *, actor: User, q: str = "", status: str = "", now: dt.datetime | None = None
) -> QuerySet[Client]:
    """Clients matching a name, legal name, slug or city and a status, with their counts."""
    _require_superadmin(actor)
    clients = client_figures_queryset(now or timezone.now())
    if q:
        clients = clients.filter(
            Q(tenant__name__icontains=q)
            | Q(legal_name__icontains=q)
            | Q(tenant__slug__icontains=q)
            | Q(city__icontains=q)
        )
    if status:
        clients = clients.filter(status=status)
    return clients


def platform_client_get(*, actor: User, tenant_id: int) -> ClientFigures:
    """One client with its overview figures."""
    _require_superadmin(actor)
    now = timezone.now()
    client = client_figures_queryset(now).filter(tenant_id=tenant_id).first()
    if client is None:
        raise NotFound("Client not found.")
    amount, count = _topups_this_month([client], now).get(client.tenant_id, (0, 0))
    return ClientFigures(
        client=client,
        customers=client.n_customers,  # type: ignore[attr-defined]
        meters=client.n_meters,  # type: ignore[attr-defined]
        online=client.n_online,  # type: ignore[attr-defined]
        valves_closed=client.n_closed,  # type: ignore[attr-defined]
        open_alerts=client.n_alerts,  # type: ignore[attr-defined]
        topup_minor=amount,
        topup_count=count,
    )


def verification_queue(*, actor: User, tenant_id: int | None = None) -> QuerySet[Property]:
    """Properties awaiting the platform, the longest waiting first, with their document count."""
    queue = property_verification_queue(actor=actor).annotate(
        n_documents=_count(PropertyDocument.objects.all(), "property_id", "pk")
    )
    if tenant_id is not None:
        queue = queue.filter(tenant_id=tenant_id)
    return queue


@dataclass(frozen=True)
class PropertyReview:
    """A property under review with its documents and verification history."""

    property: Property
    client: Client | None
    documents: list[PropertyDocument]
    events: list[PropertyEvent]


def property_review_get(*, actor: User, property_id: int) -> PropertyReview:
    """Any tenant's property for review, with documents and history (superadmin)."""
    _require_superadmin(actor)
    prop = Property.objects.select_related("tenant").filter(pk=property_id).first()
    if prop is None:
        raise NotFound("Property not found.")
    client = Client.objects.filter(tenant_id=prop.tenant_id).first()
    documents = list(PropertyDocument.objects.filter(property=prop).order_by("created_at", "pk"))
    events = list(
        PropertyEvent.objects.filter(property=prop).select_related("actor").order_by("-pk")
    )
    return PropertyReview(prop, client, documents, events)


def property_document_get(*, actor: User, property_id: int, document_id: int) -> PropertyDocument:
    """One document of a property, for download (superadmin)."""
    _require_superadmin(actor)
    document = PropertyDocument.objects.filter(pk=document_id, property_id=property_id).first()
    if document is None:
        raise NotFound("Document not found.")
    return document


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the audit log viewer; empty values mean "any"."""

    action: str = ""
    tenant_id: int | None = None
    actor_email: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    target_type: str = ""
    target_id: str = ""


def audit_list(*, actor: User, query: AuditQuery) -> QuerySet[AuditEvent]:
    """Audit events matching `query`, newest first (superadmin)."""
    _require_superadmin(actor)
    events = audit_event_list_for(
        actor=actor,
        tenant_id=query.tenant_id,
        action=query.action or None,
        since=query.since,
        until=query.until,
    )
    if query.actor_email:
        events = events.filter(actor_email__icontains=query.actor_email)
    if query.target_type:
        events = events.filter(target_type=query.target_type.lower())
    if query.target_id:
        events = events.filter(target_id=query.target_id)
    return events


def audit_actions(*, actor: User) -> list[str]:
    """Every action name that occurs in the log, sorted."""
    _require_superadmin(actor)
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())
