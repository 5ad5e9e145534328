"""Managing who belongs to a tenant and in which role; shared by the API and the portals.

Only the tenant's administrators (or the platform superadmin) manage its members. Every
change locks the tenant row first, so two concurrent changes cannot both remove the last
administrator.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from core.accounts.errors import InvalidRole, LastAdminError
from core.accounts.models import Membership, MFADevice, User, normalise_email
from core.accounts.roles import ADMIN_ROLES, ROLES_OF_KIND
from core.accounts.services.mfa import mfa_reset_by_admin
from core.audit import actions
from core.audit.services import audit_record
from core.errors import ApplicationError, NotFound, PermissionDenied
from core.tenancy.models import Tenant
from core.tenancy.selectors import tenant_get_for


class MembershipExists(ApplicationError):
    code = "membership_exists"
    status = 409
    title = "This person already holds that role in the tenant"


def _admin_tenant_ids(actor: User) -> set[int]:
    return set(actor.memberships.filter(role__in=ADMIN_ROLES).values_list("tenant_id", flat=True))


def _require_admin(actor: User, tenant_id: int) -> None:
    """Raise NotFound for a tenant the actor cannot see, PermissionDenied for a non-admin."""
    if actor.is_superuser:
        tenant_get_for(actor=actor, tenant_id=tenant_id)
        return
    if not actor.memberships.filter(tenant_id=tenant_id).exists():
        raise NotFound("Tenant not found.")
    if tenant_id not in _admin_tenant_ids(actor):
        raise PermissionDenied("Only the tenant's administrators manage its members.")


def _check_role(tenant: Tenant, role: str) -> None:
    if role not in ROLES_OF_KIND.get(tenant.kind, frozenset()):
        raise InvalidRole(extra={"field": "role"})


def _lock_tenant(tenant_id: int) -> Tenant:
    return Tenant.objects.select_for_update().get(pk=tenant_id)


def _keeps_an_admin(membership: Membership) -> bool:
    """Whether the tenant still has an administrator once this membership stops being one."""
    if membership.role not in ADMIN_ROLES:
        return True
    return (
        Membership.objects.filter(tenant_id=membership.tenant_id, role__in=ADMIN_ROLES)
        .exclude(pk=membership.pk)
        .exists()
    )


def membership_list_for(*, actor: User, tenant_id: int) -> QuerySet[Membership]:
    """The members of a tenant the actor administers, with their users and tenant loaded."""
    _require_admin(actor, tenant_id)
    confirmed = MFADevice.objects.filter(user=OuterRef("user_id"), confirmed_at__isnull=False)
    return (
        Membership.objects.filter(tenant_id=tenant_id)
        .select_related("user", "tenant")
        .annotate(user_mfa_enabled=Exists(confirmed))
        .order_by("user__email", "role")
    )


def membership_list_of_user(*, user: User) -> QuerySet[Membership]:
    """The user's own memberships with their tenants, for profile and token scoping."""
    return user.memberships.select_related("tenant").order_by("tenant__name", "tenant_id", "role")


def membership_get_for(*, actor: User, tenant_id: int, membership_id: int) -> Membership:
    """One membership of a tenant the actor administers; another tenant's id is NotFound."""
    membership = membership_list_for(actor=actor, tenant_id=tenant_id).filter(pk=membership_id)
    found = membership.first()
    if found is None:
        raise NotFound("Membership not found.")
    return found


def membership_add(*, actor: User, tenant: Tenant, user_email: str, role: str) -> Membership:
    """Give a person a role in the tenant, creating an invited account when the email is new.

    An invited account has no usable password; the invitation email is sent by notifications.
    """
    _require_admin(actor, tenant.pk)
    _check_role(tenant, role)
    email = normalise_email(user_email)
    with transaction.atomic():
        _lock_tenant(tenant.pk)
        user = User.objects.filter(email=email).first()
        invited = user is None
        if user is None:
            user = User.objects.create_user(email=email, password=None, full_name="")
        elif Membership.objects.filter(user=user, tenant=tenant, role=role).exists():
            raise MembershipExists()
        membership = Membership.objects.create(user=user, tenant=tenant, role=role)
        audit_record(
            action=actions.MEMBERSHIP_ADDED,
            actor=actor,
            tenant=tenant,
            target=membership,
            data={"user_id": user.pk, "email": email, "role": role, "invited": invited},
        )
    return membership


def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    """Move a member to another role of the same tenant; the last administrator stays one."""
    _require_admin(actor, membership.tenant_id)
    with transaction.atomic():
        tenant = _lock_tenant(membership.tenant_id)
        _check_role(tenant, role)
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        previous = membership.role
        if previous == role:
            return membership
        if role not in ADMIN_ROLES and not _keeps_an_admin(membership):
            raise LastAdminError()
        duplicate = Membership.objects.filter(
            user_id=membership.user_id, tenant_id=tenant.pk, role=role
        )
        if duplicate.exists():
            raise MembershipExists()
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            action=actions.MEMBERSHIP_ROLE_CHANGED,
            actor=actor,
            tenant=tenant,
            target=membership,
            data={"user_id": membership.user_id, "from": previous, "to": role},
        )
    return membership


def membership_remove(*, actor: User, membership: Membership) -> None:
    """Take a role away from a member; the tenant's last administrator cannot be removed."""
    _require_admin(actor, membership.tenant_id)
    with transaction.atomic():
        tenant = _lock_tenant(membership.tenant_id)
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if not _keeps_an_admin(membership):
            raise LastAdminError()
        data = {"user_id": membership.user_id, "role": membership.role}
        audit_record(
            action=actions.MEMBERSHIP_REMOVED,
            actor=actor,
            tenant=tenant,
            target=membership,
            data=data,
        )
        membership.delete()


def membership_mfa_reset(*, actor: User, membership: Membership) -> None:
    """Clear a locked-out member's authenticator so they enrol again at their next sign-in.

    A tenant administrator may only reset people whose every membership lies in tenants they
    administer, and never a platform superadmin: resetting MFA must not reach beyond the
    actor's own authority.
    """
    _require_admin(actor, membership.tenant_id)
    user = membership.user
    if not actor.is_superuser:
        foreign = set(user.memberships.values_list("tenant_id", flat=True)) - _admin_tenant_ids(
            actor
        )
        if user.is_superuser or foreign:
            raise PermissionDenied("This person's MFA can only be reset by a platform admin.")
    with transaction.atomic():
        mfa_reset_by_admin(admin=actor, user=user, tenant_id=membership.tenant_id)
