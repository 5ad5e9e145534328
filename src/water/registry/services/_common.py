"""Helpers shared by the registry services; they trust their input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from core.accounts.roles import Role
from core.errors import NotFound, PermissionDenied
from water.errors import Conflict
from water.registry.selectors import actor_holds

if TYPE_CHECKING:
    from core.accounts.models import User

STAFF: set[str] = {Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR, Role.SUPERADMIN}
ADMINS: set[str] = {Role.CLIENT_ADMIN, Role.SUPERADMIN}


def _require(actor: User, tenant_id: int, roles: set[str], message: str) -> None:
    """NotFound when the actor has nothing to do with the tenant, PermissionDenied for a role
    that may not act."""
    if actor_holds(actor, tenant_id, roles):
        return
    if actor.is_superuser or actor.memberships.filter(tenant_id=tenant_id).exists():
        raise PermissionDenied(message)
    raise NotFound("Not found.")


def require_staff(actor: User, tenant_id: int) -> None:
    """The actor is the client's administrator or operator, or the platform superadmin."""
    _require(actor, tenant_id, STAFF, "Only the client's staff may do this.")


def require_admin(actor: User, tenant_id: int) -> None:
    """The actor is the client's administrator or the platform superadmin."""
    _require(actor, tenant_id, ADMINS, "Only the client's administrators may do this.")


def conflict(field: str, message: str) -> Conflict:
    """A 409 naming the field whose value is already taken."""
    return Conflict(
        message, extra={"errors": [{"field": field, "message": message, "code": "conflict"}]}
    )


def changed_fields(obj: Any, changes: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Apply `changes` to `obj`; return {field: (before, after)} for the values that differ."""
    diff: dict[str, tuple[Any, Any]] = {}
    for name, value in changes.items():
        before = getattr(obj, name)
        if before != value:
            diff[name] = (before, value)
            setattr(obj, name, value)
    return diff
