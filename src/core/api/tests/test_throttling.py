"""General and per-route API rate limits, with exact RateLimit headers."""

from __future__ import annotations

import pytest
from django.test import override_settings

from core.accounts.models import User
from core.api.tests.helpers import JSON, problem

FROZEN = 6000.0  # a window boundary for 60-second windows: Reset is exactly 60


@pytest.fixture
def frozen_clock(monkeypatch):
    class Clock:
        now = FROZEN

        def time(self):
            return self.now

    clock = Clock()
    monkeypatch.setattr("core.api.ratelimit.time", clock)
    return clock


def _headers(response):
    names = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy"]
    return {name: response.get(name) for name in [*names, "Retry-After"]}


@pytest.mark.django_db
@override_settings(RATE_LIMIT_DEFAULT="3/60")
def test_general_limit_counts_per_user_and_refuses_past_it(client, user_factory, frozen_clock):
    # given a signed-in user
    user = user_factory(full_name="Before")
    client.force_login(user)
    # when they make three requests
    responses = [client.get("/api/v1/me") for _ in range(3)]
    # then each succeeds and says what is left
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert _headers(responses[0]) == {
        "RateLimit-Limit": "3",
        "RateLimit-Remaining": "2",
        "RateLimit-Reset": "60",
        "RateLimit-Policy": "3;w=60",
        "Retry-After": None,
    }
    assert responses[2]["RateLimit-Remaining"] == "0"
    # when they write once more
    refused = client.patch("/api/v1/me", {"full_name": "After"}, content_type=JSON)
    # then it is refused with Retry-After and nothing changed
    assert refused.status_code == 429
    assert problem(refused)["code"] == "rate_limited"
    assert _headers(refused) == {
        "RateLimit-Limit": "3",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "60",
        "RateLimit-Policy": "3;w=60",
        "Retry-After": "60",
    }
    assert User.objects.get(pk=user.pk).full_name == "Before"


@pytest.mark.django_db
@override_settings(RATE_LIMIT_DEFAULT="1/60")
def test_each_user_has_their_own_counter(client, user_factory, frozen_clock):
    # given one user who used their only request
    first, second = user_factory(), user_factory()
    client.force_login(first)
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/me").status_code == 429
    # when another user asks from the same address
    client.force_login(second)
    response = client.get("/api/v1/me")
    # then they are not affected
    assert response.status_code == 200
    assert response["RateLimit-Remaining"] == "0"


@pytest.mark.django_db
@override_settings(RATE_LIMIT_DEFAULT="2/60")
def test_anonymous_callers_are_counted_per_ip(client, frozen_clock):
    for _ in range(2):
        assert client.get("/api/v1/me", REMOTE_ADDR="10.0.0.1").status_code == 401
    assert client.get("/api/v1/me", REMOTE_ADDR="10.0.0.1").status_code == 429
    other = client.get("/api/v1/me", REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 401
    assert other["RateLimit-Remaining"] == "1"


@pytest.mark.django_db
@override_settings(RATE_LIMIT_LOGIN="2/60", RATE_LIMIT_DEFAULT="100/900")
def test_token_route_has_the_login_limit(client, user_factory, frozen_clock):
    # given
    user = user_factory()
    body = {"email": user.email, "password": "wrong"}
    # when
    responses = [client.post("/api/v1/auth/token", body, content_type=JSON) for _ in range(3)]
    # then the login limit, not the general one, is what the headers report
    assert [r.status_code for r in responses] == [401, 401, 429]
    assert _headers(responses[0])["RateLimit-Policy"] == "2;w=60"
    assert _headers(responses[2]) == {
        "RateLimit-Limit": "2",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "60",
        "RateLimit-Policy": "2;w=60",
        "Retry-After": "60",
    }


@pytest.mark.django_db
@override_settings(RATE_LIMIT_LOGIN="1/60")
def test_refresh_route_has_the_login_limit(client, frozen_clock):
    body = {"refresh_token": "whatever"}
    first = client.post("/api/v1/auth/refresh", body, content_type=JSON)
    second = client.post("/api/v1/auth/refresh", body, content_type=JSON)
    assert (first.status_code, second.status_code) == (401, 429)
    assert second["Retry-After"] == "60"


@pytest.mark.django_db
@override_settings(RATE_LIMIT_DEFAULT="4/60")
def test_previous_window_still_counts_in_the_sliding_window(client, user_factory, frozen_clock):
    # given four requests in one window
    client.force_login(user_factory())
    for _ in range(4):
        client.get("/api/v1/me")
    # when half of the next window has passed
    frozen_clock.now = FROZEN + 90
    response = client.get("/api/v1/me")
    # then half of the previous window's four still count: 2 + 1 used, 1 left
    assert response.status_code == 200
    assert (response["RateLimit-Remaining"], response["RateLimit-Reset"]) == ("1", "30")
