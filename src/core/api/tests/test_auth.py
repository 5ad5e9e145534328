"""Bearer tokens and browser sessions both authenticate API calls."""

from __future__ import annotations

import pytest
from django.test import Client

from core.accounts.models import User
from core.api.tests.helpers import JSON, bearer_for, jwt_keys_in, problem

CSRF_SECRET = "a" * 32


@pytest.fixture(autouse=True)
def keys_dir(tmp_path):
    with jwt_keys_in(tmp_path / "jwt") as directory:
        yield directory


@pytest.mark.django_db
def test_bearer_token_authenticates_and_sets_the_user(client, user_factory):
    user = user_factory()
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=bearer_for(user))
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["email"]) == (user.pk, user.email)


@pytest.mark.django_db
def test_bearer_token_of_a_deactivated_user_is_refused(client, user_factory):
    # given a token issued before the account was disabled
    user = user_factory()
    header = bearer_for(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    # when
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    # then
    assert response.status_code == 401
    assert problem(response)["code"] == "invalid_token"


@pytest.mark.django_db
def test_bearer_token_of_a_deleted_user_is_refused(client, user_factory):
    user = user_factory()
    header = bearer_for(user)
    user.delete()
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert problem(response)["code"] == "invalid_token"


@pytest.mark.django_db
def test_a_non_bearer_authorization_scheme_is_not_authenticated(client, user_factory):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert response.status_code == 401
    assert problem(response)["code"] == "not_authenticated"


@pytest.mark.django_db
def test_a_bad_bearer_token_does_not_fall_back_to_the_session(client, user_factory):
    client.force_login(user_factory())
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer broken")
    assert response.status_code == 401
    assert problem(response)["code"] == "invalid_token"


@pytest.mark.django_db
def test_session_authenticates_reads(user_factory):
    user = user_factory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["id"] == user.pk


@pytest.mark.django_db
def test_session_write_without_csrf_token_is_refused_and_changes_nothing(user_factory):
    # given a browser session
    user = user_factory(full_name="Before")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    # when it writes without the CSRF token
    response = browser.patch("/api/v1/me", {"full_name": "After"}, content_type=JSON)
    # then
    assert response.status_code == 403
    assert problem(response)["code"] == "csrf_failed"
    assert User.objects.get(pk=user.pk).full_name == "Before"


@pytest.mark.django_db
def test_session_write_with_csrf_token_succeeds(user_factory):
    user = user_factory(full_name="Before")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    browser.cookies["csrftoken"] = CSRF_SECRET
    response = browser.patch(
        "/api/v1/me", {"full_name": "After"}, content_type=JSON, HTTP_X_CSRFTOKEN=CSRF_SECRET
    )
    assert response.status_code == 200
    assert User.objects.get(pk=user.pk).full_name == "After"


@pytest.mark.django_db
def test_bearer_writes_need_no_csrf_token(user_factory):
    user = user_factory(full_name="Before")
    api_client = Client(enforce_csrf_checks=True)
    response = api_client.patch(
        "/api/v1/me", {"full_name": "After"}, content_type=JSON, HTTP_AUTHORIZATION=bearer_for(user)
    )
    assert response.status_code == 200
    assert User.objects.get(pk=user.pk).full_name == "After"


@pytest.mark.django_db
def test_staff_session_without_mfa_is_refused(client, membership_factory):
    client.force_login(membership_factory(role="dispatcher").user)
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert problem(response)["code"] == "mfa_enrolment_required"
