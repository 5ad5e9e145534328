"""Two tenants of every kind and a user per role in each, for the authorization matrix."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.accounts.models import User
from core.accounts.permissions import AUTHENTICATED, PUBLIC, AccessPolicy
from core.accounts.roles import NON_STAFF_ROLES, ROLES_OF_KIND, Role
from core.tenancy.models import Tenant, TenantKind
from tests.factories import MembershipFactory, TenantFactory, UserFactory

KIND_OF_ROLE = {role: kind for kind, roles in ROLES_OF_KIND.items() for role in roles}


@dataclass
class World:
    """Tenants `A` (in scope) and `B` (foreign) of each kind; users created on demand."""

    tenants: dict[str, tuple[Tenant, Tenant]]
    enrol_mfa: object
    superadmin: User
    _members: dict[tuple[int, str], User] = field(default_factory=dict)

    def member(self, tenant: Tenant, role: str) -> User:
        """A user holding `role` in `tenant` (staff get MFA so portal pages let them in)."""
        key = (tenant.pk, role)
        if key not in self._members:
            user = UserFactory(email=f"{role}.{tenant.slug}@example.test")
            MembershipFactory(user=user, tenant=tenant, role=role)
            if role not in NON_STAFF_ROLES:
                self.enrol_mfa(user)
            self._members[key] = user
        return self._members[key]


def build_world(enrol_mfa) -> World:
    tenants = {
        kind: (
            TenantFactory(kind=kind, name=f"{kind} A", slug=f"{kind.replace('_', '-')}-a"),
            TenantFactory(kind=kind, name=f"{kind} B", slug=f"{kind.replace('_', '-')}-b"),
        )
        for kind in TenantKind.values
    }
    superadmin = UserFactory(email="root@example.test", is_superuser=True, is_staff=True)
    enrol_mfa(superadmin)
    return World(tenants=tenants, enrol_mfa=enrol_mfa, superadmin=superadmin)


@dataclass(frozen=True)
class Scenario:
    """The tenant in scope and who plays each part for one policy (None: not applicable)."""

    tenant: Tenant | None
    right: User | None
    other_tenant: User | None
    wrong_role: User | None
    superadmin: User | None


def scenario_for(policy: AccessPolicy, world: World) -> Scenario:
    """Choose actors so each expected outcome (ok / 403 / 404) is exercised."""
    if policy.kind == PUBLIC:
        customer = world.member(world.tenants[TenantKind.WATER_AUTHORITY][0], Role.CUSTOMER)
        return Scenario(None, customer, None, None, None)
    if policy.kind == AUTHENTICATED:
        customer = world.member(world.tenants[TenantKind.WATER_AUTHORITY][0], Role.CUSTOMER)
        return Scenario(None, customer, None, None, None)
    tenant_roles = sorted(policy.roles - {Role.SUPERADMIN})
    allows_superadmin = Role.SUPERADMIN in policy.roles
    if not tenant_roles:
        water_a = world.tenants[TenantKind.WATER_AUTHORITY][0]
        return Scenario(
            None, world.superadmin, None, world.member(water_a, Role.CLIENT_ADMIN), None
        )
    role = tenant_roles[0]
    kind = KIND_OF_ROLE[role]
    home, foreign = world.tenants[kind]
    wrong_roles = sorted(ROLES_OF_KIND[kind] - policy.roles)
    wrong = world.member(home, wrong_roles[0]) if wrong_roles else None
    if not policy.tenant_scoped:
        if wrong is None:
            other_kind = next(k for k in ROLES_OF_KIND if not ROLES_OF_KIND[k] & policy.roles)
            wrong = world.member(world.tenants[other_kind][0], sorted(ROLES_OF_KIND[other_kind])[0])
        return Scenario(
            None,
            world.member(home, role),
            None,
            wrong,
            world.superadmin if allows_superadmin else None,
        )
    return Scenario(
        home,
        world.member(home, role),
        world.member(foreign, role),
        wrong,
        world.superadmin if allows_superadmin else None,
    )


def applicable_actors(policy: AccessPolicy | None) -> list[str]:
    """Which callers a policy distinguishes; computed without a database, for parametrising."""
    if policy is None or policy.kind in {PUBLIC, AUTHENTICATED}:
        return ["anonymous", "right_role"] if policy is not None else ["anonymous"]
    tenant_roles = policy.roles - {Role.SUPERADMIN}
    if not tenant_roles:
        return ["anonymous", "wrong_role", "right_role"]
    kind = KIND_OF_ROLE[sorted(tenant_roles)[0]]
    actors = ["anonymous"]
    if policy.tenant_scoped:
        actors.append("other_tenant")
    if ROLES_OF_KIND[kind] - policy.roles or not policy.tenant_scoped:
        actors.append("wrong_role")
    actors.append("right_role")
    if Role.SUPERADMIN in policy.roles:
        actors.append("superadmin")
    return actors
