"""Reads behind the landing router and the portal home pages, always through the actor."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef

from core.accounts.models import Membership, MFADevice, UserSession
from core.accounts.roles import ADMIN_ROLES, Role
from core.tenancy.models import SERVICE_OF_KIND, Service, Tenant

if TYPE_CHECKING:
    from core.accounts.models import User

SERVICE_TIMEZONES = {Service.WATER: "Asia/Jakarta", Service.ROADSIDE: "America/Port_of_Spain"}


def kinds_of_service(service: str) -> list[str]:
    """Tenant kinds that belong to a service ("water" or "roadside")."""
    return [kind for kind, owner in SERVICE_OF_KIND.items() if owner == service]


def services_for(*, actor: User) -> list[str]:
    """The services the actor belongs to, in a stable order; both for a superadmin."""
    if actor.is_superuser:
        return [Service.WATER, Service.ROADSIDE]
    kinds = set(Membership.objects.filter(user=actor).values_list("tenant__kind", flat=True))
    held = {SERVICE_OF_KIND[kind] for kind in kinds}
    return [service for service in (Service.WATER, Service.ROADSIDE) if service in held]


@dataclass
class Organisation:
    """One tenant of the service as the actor sees it, with members when they administer it."""

    tenant: Tenant
    roles: list[str] = field(default_factory=list)
    members: list[Membership] | None = None

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in self.roles]

    @property
    def is_admin(self) -> bool:
        return self.members is not None


@dataclass(frozen=True)
class PortalOverview:
    """Everything the portal home shows; `platform_tenants` is filled for superadmins only."""

    service: str
    organisations: list[Organisation]
    platform_tenants: list[Tenant]
    is_superadmin: bool
    mfa_enabled: bool
    mfa_required: bool
    session_count: int


def portal_overview_for(*, actor: User, service: str) -> PortalOverview:
    """The actor's organisations in `service`, their roles, and member lists they administer.

    A fixed number of queries whatever the number of tenants or members.
    """
    kinds = kinds_of_service(service)
    organisations: dict[int, Organisation] = {}
    own = Membership.objects.filter(user=actor, tenant__kind__in=kinds).select_related("tenant")
    for membership in own.order_by("tenant__name", "role"):
        row = organisations.setdefault(membership.tenant_id, Organisation(membership.tenant))
        row.roles.append(membership.role)
    admin_of = [pk for pk, row in organisations.items() if set(row.roles) & ADMIN_ROLES]
    if admin_of:
        has_mfa = MFADevice.objects.filter(user=OuterRef("user_id"), confirmed_at__isnull=False)
        members = (
            Membership.objects.filter(tenant_id__in=admin_of)
            .select_related("user")
            .annotate(user_has_mfa=Exists(has_mfa))
            .order_by("user__full_name", "user__email", "role")
        )
        for pk in admin_of:
            organisations[pk].members = []
        for member in members:
            member_list = organisations[member.tenant_id].members
            if member_list is not None:
                member_list.append(member)
    platform_tenants: list[Tenant] = []
    if actor.is_superuser:
        platform_tenants = list(
            Tenant.objects.filter(kind__in=kinds)
            .annotate(member_count=Count("memberships"))
            .order_by("name")
        )
    return PortalOverview(
        service=service,
        organisations=list(organisations.values()),
        platform_tenants=platform_tenants,
        is_superadmin=actor.is_superuser,
        mfa_enabled=actor.mfa_enabled,
        mfa_required=actor.is_staff_member,
        session_count=UserSession.objects.filter(user=actor).count(),
    )
