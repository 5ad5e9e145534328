"""Roles of both services, which tenant kinds grant them, and which count as staff."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.tenancy.models import TenantKind


class Role(models.TextChoices):
    # IndoWater
    SUPERADMIN = "superadmin", _("Platform superadmin")
    CLIENT_ADMIN = "client_admin", _("Client administrator")
    CLIENT_OPERATOR = "client_operator", _("Client operator")
    CUSTOMER = "customer", _("Customer")
    # RoadSide+ TT
    ROADSIDE_ADMIN = "roadside_admin", _("RoadSide+ administrator")
    DISPATCHER = "dispatcher", _("Dispatcher")
    PARTNER_ADMIN = "partner_admin", _("Partner administrator")
    TECHNICIAN = "technician", _("Technician")
    SECURITY_OFFICER = "security_officer", _("Security officer")
    MOTORIST = "motorist", _("Motorist")


# Superadmin is platform-wide (User.is_superuser), never a tenant membership.
ROLES_OF_KIND: dict[str, frozenset[str]] = {
    TenantKind.WATER_AUTHORITY: frozenset({Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR, Role.CUSTOMER}),
    TenantKind.ROADSIDE_OPERATOR: frozenset({Role.ROADSIDE_ADMIN, Role.DISPATCHER, Role.MOTORIST}),
    TenantKind.PARTNER_COMPANY: frozenset({Role.PARTNER_ADMIN, Role.TECHNICIAN}),
    TenantKind.SECURITY_COMPANY: frozenset({Role.SECURITY_OFFICER}),
}

# Roles whose holders manage a tenant's memberships.
ADMIN_ROLES: frozenset[str] = frozenset(
    {Role.CLIENT_ADMIN, Role.ROADSIDE_ADMIN, Role.PARTNER_ADMIN}
)
# Everyone except customers and motorists is staff: MFA required, short sessions.
NON_STAFF_ROLES: frozenset[str] = frozenset({Role.CUSTOMER, Role.MOTORIST})
STAFF_ROLES: frozenset[str] = frozenset(r.value for r in Role) - NON_STAFF_ROLES
