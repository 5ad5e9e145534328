"""Every error under /api/ is RFC 9457 problem+json with a stable code."""

from __future__ import annotations

import pytest

from core.accounts import api as accounts_api
from core.api.tests.helpers import JSON, problem
from core.errors import RateLimited


@pytest.mark.django_db
def test_unknown_route_is_a_problem_404(client):
    response = client.get("/api/v1/no-such-thing?x=1")
    assert response.status_code == 404
    body = problem(response)
    assert {k: body[k] for k in ("type", "title", "status", "code", "instance")} == {
        "type": "urn:problem-type:not_found",
        "title": "Not found",
        "status": 404,
        "code": "not_found",
        "instance": "/api/v1/no-such-thing",
    }
    assert body["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_unknown_route_with_another_method_is_also_a_problem_404(client):
    response = client.delete("/api/anything/at/all")
    assert response.status_code == 404
    assert problem(response)["code"] == "not_found"


@pytest.mark.django_db
def test_wrong_method_is_a_problem_405_with_allow(client):
    response = client.put("/api/v1/me", {}, content_type=JSON)
    assert response.status_code == 405
    assert problem(response)["code"] == "method_not_allowed"
    assert sorted(response["Allow"].split(", ")) == ["GET", "PATCH"]


@pytest.mark.django_db
def test_validation_errors_name_each_field(client):
    # when a body misses one field and gets another wrong
    response = client.post(
        "/api/v1/auth/register",
        {"email": "not-an-email", "full_name": "A"},
        content_type=JSON,
    )
    # then
    assert response.status_code == 422
    body = problem(response)
    assert body["code"] == "validation_error"
    assert sorted((e["field"], e["code"]) for e in body["errors"]) == [
        ("email", "string_pattern_mismatch"),
        ("password", "missing"),
    ]
    assert all(e["message"] for e in body["errors"])


@pytest.mark.django_db
def test_path_parameter_validation_names_the_parameter(client, user_factory):
    client.force_login(user_factory())
    response = client.get("/api/v1/tenants/abc/members")
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in problem(response)["errors"]] == [
        ("tenant_id", "int_parsing")
    ]


@pytest.mark.django_db
def test_malformed_json_is_a_problem_400(client):
    response = client.post("/api/v1/auth/token", "{oops", content_type=JSON)
    assert response.status_code == 400
    assert problem(response)["code"] == "bad_request"


@pytest.mark.django_db
def test_unexpected_exception_is_a_500_without_a_stack_trace(client, monkeypatch):
    # given a service that crashes with a message that must not leak
    def crash(**kwargs):
        raise RuntimeError("secret internals at line 42")

    monkeypatch.setattr(accounts_api.registration, "password_reset_request", crash)
    # when
    response = client.post("/api/v1/auth/password-reset", {"email": "a@b.cd"}, content_type=JSON)
    # then
    assert response.status_code == 500
    body = problem(response)
    assert (body["code"], body["title"]) == ("server_error", "Internal server error")
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content


@pytest.mark.django_db
def test_application_error_keeps_its_code_status_and_retry_after(client, monkeypatch):
    # given a domain error raised deep inside a handler
    def refuse(**kwargs):
        raise RateLimited("Slow down.", retry_after=17)

    monkeypatch.setattr(accounts_api.registration, "password_reset_request", refuse)
    # when
    response = client.post("/api/v1/auth/password-reset", {"email": "a@b.cd"}, content_type=JSON)
    # then
    assert response.status_code == 429
    body = problem(response)
    assert (body["code"], body["detail"], body["title"]) == (
        "rate_limited",
        "Slow down.",
        "Too many requests",
    )
    assert response["Retry-After"] == "17"


@pytest.mark.django_db
def test_missing_credentials_is_a_problem_401_with_www_authenticate(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert problem(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
