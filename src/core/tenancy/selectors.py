"""Reads of tenants, always through the acting user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from core.errors import NotFound
from core.tenancy.models import Tenant

if TYPE_CHECKING:
    from core.accounts.models import User


def tenant_list_for(*, actor: User) -> QuerySet[Tenant]:
    """Tenants the actor belongs to; every tenant for a platform superadmin."""
    if actor.is_superuser:
        return Tenant.objects.all()
    return Tenant.objects.filter(memberships__user=actor).distinct()


def tenant_get_for(*, actor: User, tenant_id: int) -> Tenant:
    """One tenant the actor can see; another tenant's id answers exactly like a missing one."""
    tenant = tenant_list_for(actor=actor).filter(pk=tenant_id).first()
    if tenant is None:
        raise NotFound("Tenant not found.")
    return tenant
