"""Test helpers: a world of two water authorities with their staff, and API calls as a user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client as HttpClient

from core.accounts.models import User
from core.accounts.roles import Role
from core.accounts.tokens import access_token_encode
from core.tenancy.models import Tenant
from tests.factories import MembershipFactory, TenantFactory, UserFactory
from water.registry.models import Client
from water.tests.factories import ClientFactory


@dataclass(frozen=True)
class Authority:
    """A water-authority tenant with its client profile and one user per role."""

    tenant: Tenant
    client: Client
    admin: User
    operator: User
    customer: User


def authority(slug: str) -> Authority:
    """Create a water authority `slug` with an admin, an operator and a customer login."""
    tenant = TenantFactory(slug=slug, name=slug.title())
    users = {}
    for role in (Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR, Role.CUSTOMER):
        users[role] = UserFactory(email=f"{role}@{slug}.test")
        MembershipFactory(user=users[role], tenant=tenant, role=role)
    return Authority(
        tenant=tenant,
        client=ClientFactory(tenant=tenant),
        admin=users[Role.CLIENT_ADMIN],
        operator=users[Role.CLIENT_OPERATOR],
        customer=users[Role.CUSTOMER],
    )


def superadmin() -> User:
    return UserFactory(email="root@platform.test", is_superuser=True, is_staff=True)


class Api:
    """JSON calls through the whole stack with a real Bearer access token."""

    def __init__(self, user: User | None) -> None:
        self.http = HttpClient()
        self.headers: dict[str, str] = {}
        if user is not None:
            token = access_token_encode(user_id=user.pk, tenant_id=None, roles=[])
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    def get(self, path: str) -> Any:
        return self.http.get(path, **self.headers)

    def _send(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        call = getattr(self.http, method)
        return call(path, data=body or {}, content_type="application/json", **self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._send("post", path, body)

    def put(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._send("put", path, body)

    def delete(self, path: str) -> Any:
        return self._send("delete", path, None)


def tenant_url(tenant: Tenant, suffix: str) -> str:
    return f"/api/v1/water/tenants/{tenant.pk}{suffix}"
