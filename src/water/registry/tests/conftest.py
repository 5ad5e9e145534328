"""Fixtures of the registry tests: two water authorities, their staff and API callers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client as HttpClient

from core.accounts.roles import Role
from core.accounts.tokens import access_token_encode
from tests.factories import MembershipFactory, TenantFactory, UserFactory
from water.registry.tests.factories import ClientFactory


class Api:
    """A test client that calls the API as one user with a real access token."""

    def __init__(self, user: Any) -> None:
        self.http = HttpClient()
        token = access_token_encode(user_id=user.pk, tenant_id=None, roles=[])
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def get(self, url: str) -> Any:
        return self.http.get(url, **self.headers)

    def delete(self, url: str) -> Any:
        return self.http.delete(url, **self.headers)

    def post(self, url: str, body: dict[str, Any] | None = None) -> Any:
        return self.http.post(
            url, json.dumps(body or {}), content_type="application/json", **self.headers
        )

    def patch(self, url: str, body: dict[str, Any]) -> Any:
        return self.http.patch(
            url, json.dumps(body), content_type="application/json", **self.headers
        )

    def upload(self, url: str, data: dict[str, Any]) -> Any:
        return self.http.post(url, data, **self.headers)


@pytest.fixture
def client_a(db):
    """The water authority in scope."""
    return ClientFactory(tenant=TenantFactory(name="PDAM A", slug="pdam-a"))


@pytest.fixture
def client_b(db):
    """Another water authority, whose data must stay invisible to A's staff."""
    return ClientFactory(tenant=TenantFactory(name="PDAM B", slug="pdam-b"))


def _member(client, role: str):
    user = UserFactory()
    MembershipFactory(user=user, tenant=client.tenant, role=role)
    return user


@pytest.fixture
def admin(client_a):
    return _member(client_a, Role.CLIENT_ADMIN)


@pytest.fixture
def operator(client_a):
    return _member(client_a, Role.CLIENT_OPERATOR)


@pytest.fixture
def admin_b(client_b):
    return _member(client_b, Role.CLIENT_ADMIN)


@pytest.fixture
def superadmin(db):
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def api():
    return Api
