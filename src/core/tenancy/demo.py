"""Demo organisations and logins for the embedded mode. Idempotent: safe to run every start."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.accounts.models import Membership, User
from core.accounts.roles import Role
from core.tenancy.models import Tenant, TenantKind

DEMO_PASSWORD = "Demo-Pass-2026!"  # noqa: S105 - published demo credential, embedded mode only


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    kind: str
    timezone: str


@dataclass(frozen=True)
class DemoLogin:
    email: str
    full_name: str
    tenant_slug: str | None  # None: platform superadmin
    role: str
    language: str = "en"


TENANTS = [
    DemoTenant("pdam-tirta-asri", "PDAM Tirta Asri", TenantKind.WATER_AUTHORITY, "Asia/Jakarta"),
    DemoTenant(
        "pdam-tirta-makmur", "PDAM Tirta Makmur", TenantKind.WATER_AUTHORITY, "Asia/Jakarta"
    ),
    DemoTenant(
        "roadside-tt",
        "RoadSide+ Trinidad & Tobago",
        TenantKind.ROADSIDE_OPERATOR,
        "America/Port_of_Spain",
    ),
    DemoTenant(
        "island-towing", "Island Towing Ltd", TenantKind.PARTNER_COMPANY, "America/Port_of_Spain"
    ),
    DemoTenant(
        "shield-security",
        "Shield Security TT",
        TenantKind.SECURITY_COMPANY,
        "America/Port_of_Spain",
    ),
]

LOGINS = [
    DemoLogin("superadmin@indowater.id", "Sari Wulandari", None, Role.SUPERADMIN, "id"),
    DemoLogin("admin@tirta-asri.id", "Budi Santoso", "pdam-tirta-asri", Role.CLIENT_ADMIN, "id"),
    DemoLogin(
        "operator@tirta-asri.id", "Dewi Lestari", "pdam-tirta-asri", Role.CLIENT_OPERATOR, "id"
    ),
    DemoLogin("pelanggan@tirta-asri.id", "Agus Pratama", "pdam-tirta-asri", Role.CUSTOMER, "id"),
    DemoLogin("admin@tirta-makmur.id", "Rina Kusuma", "pdam-tirta-makmur", Role.CLIENT_ADMIN, "id"),
    DemoLogin("admin@roadside.tt", "Marcus Baptiste", "roadside-tt", Role.ROADSIDE_ADMIN),
    DemoLogin("dispatch@roadside.tt", "Keisha Ramdass", "roadside-tt", Role.DISPATCHER),
    DemoLogin("motorist@roadside.tt", "Andre Mohammed", "roadside-tt", Role.MOTORIST),
    DemoLogin("partner@islandtowing.tt", "Ravi Persad", "island-towing", Role.PARTNER_ADMIN),
    DemoLogin("tech@islandtowing.tt", "Jason Charles", "island-towing", Role.TECHNICIAN, "es"),
    DemoLogin(
        "officer@shieldsecurity.tt", "Natalie Joseph", "shield-security", Role.SECURITY_OFFICER
    ),
]


def demo_seed() -> tuple[int, int]:
    """Create missing demo tenants, users and memberships; never overwrite existing ones.

    Returns how many tenants and users were created (0, 0 on every later run).
    """
    created_tenants = created_users = 0
    with transaction.atomic():
        tenants: dict[str, Tenant] = {}
        for spec in TENANTS:
            tenant, made = Tenant.objects.get_or_create(
                slug=spec.slug,
                defaults={"name": spec.name, "kind": spec.kind, "timezone": spec.timezone},
            )
            tenants[spec.slug] = tenant
            created_tenants += made
        for login in LOGINS:
            user = User.objects.filter(email=login.email).first()
            if user is None:
                user = User.objects.create_user(
                    login.email,
                    DEMO_PASSWORD,
                    full_name=login.full_name,
                    language=login.language,
                    email_verified_at=timezone.now(),
                    is_superuser=login.tenant_slug is None,
                    is_staff=login.tenant_slug is None,
                )
                created_users += 1
            if login.tenant_slug is not None:
                Membership.objects.get_or_create(
                    user=user, tenant=tenants[login.tenant_slug], role=login.role
                )
    return created_tenants, created_users
