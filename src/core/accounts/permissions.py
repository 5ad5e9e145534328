"""Access policies: every page and API operation declares who may call it.

The declaration both enforces access and is what the authorization matrix reads, so a route
without one is caught by the test suite. Outcomes:

- anonymous caller on a non-public route → NotAuthenticated (401, or a redirect to login);
- a tenant-scoped route naming a tenant the caller has no membership in → NotFound (404),
  exactly as if the tenant did not exist;
- a member without one of the allowed roles → PermissionDenied (403).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from core.accounts.roles import Role
from core.errors import NotAuthenticated, NotFound, PermissionDenied

if TYPE_CHECKING:
    from core.accounts.models import User

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"
AUTHENTICATED = "authenticated"
ROLES = "roles"


@dataclass(frozen=True)
class AccessPolicy:
    """Who may call a route. `tenant_kwarg` names the URL parameter carrying the tenant id."""

    kind: str
    roles: frozenset[str] = field(default_factory=frozenset)
    tenant_kwarg: str | None = None

    @property
    def tenant_scoped(self) -> bool:
        return self.tenant_kwarg is not None

    def check(self, user: User | None, kwargs: dict[str, Any]) -> None:
        """Raise the right error when `user` may not call the route with these arguments."""
        if self.kind == PUBLIC:
            return
        if user is None or not user.is_authenticated:
            raise NotAuthenticated()
        if self.kind == AUTHENTICATED:
            return
        if user.is_superuser and Role.SUPERADMIN in self.roles:
            return
        if self.tenant_kwarg is not None:
            tenant_id = kwargs.get(self.tenant_kwarg)
            if tenant_id is None:
                raise NotFound("Not found.")
            held = set(user.memberships.filter(tenant_id=tenant_id).values_list("role", flat=True))
            if not held:
                raise NotFound("Not found.")
        else:
            held = user.role_set()
        if not held & self.roles:
            raise PermissionDenied("Your role does not allow this action.")


def _request_user(request: Any) -> User | None:
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    auth = getattr(request, "auth", None)
    if auth is not None and getattr(auth, "is_authenticated", False):
        return auth
    return None


def access(
    *,
    public: bool = False,
    authenticated: bool = False,
    roles: Iterable[str] = (),
    tenant_kwarg: str | None = None,
) -> Callable[[F], F]:
    """Declare and enforce who may call a view or API operation.

    Exactly one of `public`, `authenticated` or `roles` is given; `tenant_kwarg` makes the
    role check apply within the tenant named by that URL parameter.
    """
    chosen = [public, authenticated, bool(roles)]
    if sum(chosen) != 1:
        raise ValueError("Declare exactly one of public, authenticated or roles.")
    kind = PUBLIC if public else AUTHENTICATED if authenticated else ROLES
    policy = AccessPolicy(kind=kind, roles=frozenset(roles), tenant_kwarg=tenant_kwarg)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            policy.check(_request_user(request), kwargs)
            return view(request, *args, **kwargs)

        wrapper.access_policy = policy  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def policy_of(view: Any) -> AccessPolicy | None:
    """The policy a view declared, looking through decorators and class-based wrappers."""
    seen = 0
    while view is not None and seen < 10:
        policy = getattr(view, "access_policy", None)
        if policy is not None:
            return policy
        view = getattr(view, "view_class", None) or getattr(view, "__wrapped__", None)
        seen += 1
    return None
