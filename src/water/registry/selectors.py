"""Reads of clients, holidays, properties, documents and customers, always through the actor.

Tenant-scoped selectors query by primary key AND tenant, so another tenant's object is
NotFound exactly like a missing one. Encrypted columns are never filtered; NIK lookups go
through the blind index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from core.accounts.roles import Role
from core.crypto.fields import blind_lookup
from core.errors import NotFound, PermissionDenied
from core.tenancy.selectors import tenant_get_for
from water.registry.models import (
    Client,
    ClientHoliday,
    Customer,
    Property,
    PropertyDocument,
    PropertyEvent,
    VerificationStatus,
)
from water.registry.validators import nik_normalise

if TYPE_CHECKING:
    from core.accounts.models import User

QUEUE_STATUSES = (VerificationStatus.PENDING, VerificationStatus.UNDER_REVIEW)


def actor_holds(actor: User, tenant_id: int, roles: set[str]) -> bool:
    """Whether the actor holds one of `roles` in the tenant (superadmin counts as itself)."""
    if actor.is_superuser and Role.SUPERADMIN in roles:
        return True
    return actor.memberships.filter(tenant_id=tenant_id, role__in=roles).exists()


def client_list_for(*, actor: User) -> QuerySet[Client]:
    """Every client for the superadmin; otherwise the clients of the actor's tenants."""
    clients = Client.objects.select_related("tenant").order_by("legal_name", "pk")
    if actor.is_superuser:
        return clients
    return clients.filter(tenant__memberships__user=actor).distinct()


def client_get_for(*, actor: User, tenant_id: int) -> Client:
    """The client profile of a tenant the actor may see."""
    client = client_list_for(actor=actor).filter(tenant_id=tenant_id).first()
    if client is None:
        raise NotFound("Client not found.")
    return client


def holiday_list_for(*, actor: User, tenant_id: int) -> QuerySet[ClientHoliday]:
    """The tenant's friendly-credit holidays, earliest first."""
    tenant_get_for(actor=actor, tenant_id=tenant_id)
    return ClientHoliday.objects.filter(tenant_id=tenant_id).order_by("date", "pk")


def property_list_for(
    *, actor: User, tenant_id: int, status: str | None = None, q: str | None = None
) -> QuerySet[Property]:
    """The tenant's properties by code, optionally by verification status or code/name text."""
    tenant_get_for(actor=actor, tenant_id=tenant_id)
    properties = Property.objects.filter(tenant_id=tenant_id).order_by("code", "pk")
    if status:
        properties = properties.filter(verification_status=status)
    if q:
        properties = properties.filter(Q(code__istartswith=q) | Q(name__icontains=q))
    return properties


def property_get_for(*, actor: User, tenant_id: int, property_id: int) -> Property:
    """One property of the tenant."""
    found = property_list_for(actor=actor, tenant_id=tenant_id).filter(pk=property_id).first()
    if found is None:
        raise NotFound("Property not found.")
    return found


def property_event_list_for(
    *, actor: User, tenant_id: int, property_id: int
) -> QuerySet[PropertyEvent]:
    """A property's verification history, oldest first, with the actors loaded."""
    prop = property_get_for(actor=actor, tenant_id=tenant_id, property_id=property_id)
    return PropertyEvent.objects.filter(property=prop).select_related("actor")


def property_verification_queue(*, actor: User) -> QuerySet[Property]:
    """Properties of every tenant awaiting review, the longest waiting first (superadmin)."""
    if not actor.is_superuser:
        raise PermissionDenied("Only the platform superadmin reviews properties.")
    return (
        Property.objects.filter(verification_status__in=QUEUE_STATUSES)
        .select_related("tenant")
        .order_by("verification_status_changed_at", "pk")
    )


def property_document_list_for(
    *, actor: User, tenant_id: int, property_id: int
) -> QuerySet[PropertyDocument]:
    """The documents of one property, oldest first."""
    prop = property_get_for(actor=actor, tenant_id=tenant_id, property_id=property_id)
    return PropertyDocument.objects.filter(property=prop).order_by("created_at", "pk")


def customer_list_for(
    *,
    actor: User,
    tenant_id: int,
    q: str | None = None,
    nik: str | None = None,
    status: str | None = None,
) -> QuerySet[Customer]:
    """The tenant's customers; `q` matches a customer number prefix or the name, `nik` the
    blind index of the encrypted NIK (exact match only)."""
    tenant_get_for(actor=actor, tenant_id=tenant_id)
    customers = Customer.objects.filter(tenant_id=tenant_id).order_by("customer_number", "pk")
    if q:
        customers = customers.filter(Q(customer_number__istartswith=q) | Q(full_name__icontains=q))
    if nik:
        customers = blind_lookup(customers, "nik", nik_normalise(nik))
    if status:
        customers = customers.filter(status=status)
    return customers


def customer_get_for(*, actor: User, tenant_id: int, customer_id: int) -> Customer:
    """One customer of the tenant."""
    found = customer_list_for(actor=actor, tenant_id=tenant_id).filter(pk=customer_id).first()
    if found is None:
        raise NotFound("Customer not found.")
    return found


def customer_list_of_user(*, user: User) -> QuerySet[Customer]:
    """The customer records whose portal account is `user`, across every tenant."""
    return Customer.objects.filter(user=user).order_by("tenant_id", "customer_number", "pk")
