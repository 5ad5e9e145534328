"""The frame every IndoWater portal page shares: whose workspace it is and its navigation.

Three workspaces: a customer's (``/water/my/``), a water authority's staff
(``/water/t/<tenant>/``) and the platform superadmin's (``/water/platform/``). Views build
their context with `shell(...)`; the base template draws the tabs from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.accounts.models import User
from core.accounts.roles import Role
from core.tenancy.models import Tenant, TenantKind

CUSTOMER, CLIENT, PLATFORM = "customer", "client", "platform"
STAFF_ROLES = frozenset({Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR})


@dataclass(frozen=True)
class Tab:
    key: str
    label: Any
    url: str


@dataclass(frozen=True)
class Shell:
    area: str
    section: str
    tabs: list[Tab]
    tenant: Tenant | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return Role.CLIENT_ADMIN in self.roles or Role.SUPERADMIN in self.roles


def _tabs(area: str, tenant_id: int | None) -> list[Tab]:
    if area == CUSTOMER:
        names = [
            ("dashboard", _("Overview"), "water_portal:my_dashboard"),
            ("usage", _("Usage"), "water_portal:my_usage"),
            ("topup", _("Top up"), "water_topups:topup"),
            ("payments", _("Payments"), "water_portal:my_payments"),
        ]
        return [Tab(key, label, reverse(name)) for key, label, name in names]
    if area == CLIENT:
        names = [
            ("dashboard", _("Dashboard"), "water_portal:client_dashboard"),
            ("meters", _("Meters"), "water_portal:client_meters"),
            ("alerts", _("Alerts"), "water_portal:client_alerts"),
            ("customers", _("Customers"), "water_portal:client_customers"),
            ("properties", _("Properties"), "water_portal:client_properties"),
            ("tariffs", _("Tariffs"), "water_portal:client_tariffs"),
        ]
        return [
            Tab(key, label, reverse(name, kwargs={"tenant_id": tenant_id}))
            for key, label, name in names
        ]
    names = [
        ("dashboard", _("Overview"), "water_portal:platform_dashboard"),
        ("clients", _("Water authorities"), "water_portal:platform_clients"),
        ("verification", _("Property verification"), "water_portal:platform_verification"),
        ("audit", _("Audit log"), "water_portal:platform_audit"),
    ]
    return [Tab(key, label, reverse(name)) for key, label, name in names]


def shell(user: User, *, area: str, section: str, tenant: Tenant | None = None) -> dict[str, Any]:
    """Template context of the frame: {"shell": Shell}. Access is checked by the view."""
    roles: frozenset[str] = frozenset()
    if tenant is not None:
        roles = frozenset(user.memberships.filter(tenant=tenant).values_list("role", flat=True))
    if user.is_superuser:
        roles = roles | {Role.SUPERADMIN}
    tabs = _tabs(area, tenant.pk if tenant is not None else None)
    return {"shell": Shell(area, section, tabs, tenant, roles)}


def workspace_of(user: User) -> str | None:
    """Where the IndoWater portal home sends `user`, when their workspace is unambiguous."""
    if user.is_superuser:
        return reverse("water_portal:platform_dashboard")
    rows = list(
        user.memberships.filter(tenant__kind=TenantKind.WATER_AUTHORITY).values_list(
            "tenant_id", "role"
        )
    )
    staff = {tenant for tenant, role in rows if role in STAFF_ROLES}
    customer = {tenant for tenant, role in rows if role == Role.CUSTOMER}
    if len(staff) == 1 and not customer:
        return reverse("water_portal:client_dashboard", kwargs={"tenant_id": staff.pop()})
    if customer and not staff:
        return reverse("water_portal:my_dashboard")
    return None
