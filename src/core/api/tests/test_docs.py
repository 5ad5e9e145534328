"""OpenAPI document, the script-free docs page, and access declarations on every operation."""

from __future__ import annotations

import pytest

from core.accounts.permissions import policy_of
from core.api.root import api

EXPECTED_PATHS = [
    "/api/v1/auth/logout",
    "/api/v1/auth/password-reset",
    "/api/v1/auth/password-reset/confirm",
    "/api/v1/auth/refresh",
    "/api/v1/auth/register",
    "/api/v1/auth/token",
    "/api/v1/auth/verify-email",
    "/api/v1/me",
    "/api/v1/me/password",
    "/api/v1/tenants",
    "/api/v1/tenants/{tenant_id}/members",
    "/api/v1/tenants/{tenant_id}/members/{membership_id}",
    "/api/v1/tenants/{tenant_id}/members/{membership_id}/mfa-reset",
]


@pytest.mark.django_db
def test_openapi_document_lists_the_accounts_operations(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert set(EXPECTED_PATHS) <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["JWTBearer"] == {
        "type": "http",
        "scheme": "bearer",
    }
    assert "security" not in schema["paths"]["/api/v1/auth/token"]["post"]
    assert schema["paths"]["/api/v1/me"]["get"]["security"] == [
        {"JWTBearer": []},
        {"DjangoSession": []},
    ]


@pytest.mark.django_db
def test_docs_page_renders_the_reference_without_any_script(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script" not in html
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert 'href="/api/openapi.json"' in html
    assert "/api/v1/auth/token" in html
    assert "Sign in: obtain an access token and a refresh token" in html
    assert 'id="schema-TokenIn"' in html
    assert 'href="/static/api/docs.css"' in html


def _operations(router, prefix=""):
    for path, path_view in router.path_operations.items():
        for operation in path_view.operations:
            yield prefix + path, operation
    for child_prefix, child, *_ in router._routers:
        yield from _operations(child, prefix + child_prefix)


def test_every_api_operation_declares_an_access_policy():
    operations = [op for prefix, router in api._routers for op in _operations(router, prefix)]
    missing = [(path, op.methods) for path, op in operations if policy_of(op.view_func) is None]
    assert len(operations) >= len(EXPECTED_PATHS)
    assert missing == []


@pytest.mark.django_db
def test_api_root_is_a_problem_404(client):
    response = client.get("/api/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_openapi_documents_problem_responses(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
        "code",
    ]
    members = schema["paths"]["/api/v1/tenants/{tenant_id}/members"]["get"]["responses"]
    assert sorted(members) == ["200", "401", "403", "404", "422", "429", "default"]
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    assert members["404"]["content"]["application/problem+json"]["schema"] == problem_ref
    token = schema["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert sorted(token) == ["200", "422", "429", "default"]
