"""The authorization matrix: every page and API operation, tried by every kind of caller.

A route that declares no policy, or has no case in `cases.py`, fails the suite, so nothing
can be added without saying who may call it and proving it.
"""

from __future__ import annotations

import pytest

from core.accounts.permissions import PUBLIC
from tests.authz.cases import CASES, Case, Ctx
from tests.authz.routes import FRAMEWORK_PUBLIC, all_routes
from tests.authz.world import Scenario, applicable_actors, build_world, scenario_for

ROUTES = {route.key: route for route in all_routes()}


def test_every_route_declares_an_access_policy():
    undeclared = sorted(
        f"{r.method} {r.path}"
        for r in ROUTES.values()
        if r.policy is None and r.path not in FRAMEWORK_PUBLIC
    )
    assert undeclared == []


def test_every_route_has_a_matrix_case_and_every_case_a_route():
    assert sorted(set(ROUTES) - set(CASES)) == []
    assert sorted(set(CASES) - set(ROUTES)) == []


def _request(client, case: Case, route, url: str, body):
    method = case.method if route.method == "*" else route.method
    call = getattr(client, method.lower())
    if method in {"GET", "HEAD"}:
        return call(url)
    if route.kind == "api" and not case.multipart:
        return call(url, data=body or {}, content_type="application/json")
    return call(url, data=body or {})


def _login(client, user, route_kind: str, api_login) -> dict[str, str]:
    if user is None:
        return {}
    if route_kind == "api":
        return api_login(client, user)
    client.force_login(user)
    return {}


def _assert_denied(response, route, expected: int) -> None:
    if route.kind == "page" and expected == 401:
        assert response.status_code == 302, response.content[:300]
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected, response.content[:300]


PAIRS = [
    (key, actor)
    for key in sorted(CASES)
    if key in ROUTES
    for actor in (
        ["anonymous"]
        if ROUTES[key].path in FRAMEWORK_PUBLIC
        else applicable_actors(ROUTES[key].policy)
    )
]


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "actor"), PAIRS, ids=[f"{k[0]} {k[1]} as {a}" for k, a in PAIRS])
def test_access(key, actor, client, mfa_enrol, api_login):
    route, case = ROUTES.get(key), CASES[key]
    if route is None:
        pytest.fail(f"{key} has a case but no route")
    if route.path in FRAMEWORK_PUBLIC:
        policy_kind = PUBLIC
        scenario = Scenario(None, None, None, None, None)
    else:
        world = build_world(mfa_enrol)
        policy_kind = route.policy.kind
        scenario = scenario_for(route.policy, world)
    user = {
        "anonymous": None,
        "other_tenant": scenario.other_tenant,
        "wrong_role": scenario.wrong_role,
        "right_role": scenario.right,
        "superadmin": scenario.superadmin,
    }[actor]
    assert actor == "anonymous" or user is not None, f"no user plays {actor}"
    ctx = Ctx(tenant=scenario.tenant, owner=scenario.right, world_user=user)
    url, body = case.build(ctx)
    headers = _login(client, user, route.kind, api_login)
    if headers:
        client.defaults.update(headers)
    response = _request(client, case, route, url, body)
    if actor in {"right_role", "superadmin"} or policy_kind == PUBLIC:
        assert response.status_code in case.ok, (response.status_code, response.content[:300])
    elif actor == "anonymous":
        _assert_denied(response, route, 401)
    elif actor == "other_tenant":
        _assert_denied(response, route, 404)
    else:
        _assert_denied(response, route, 403)
