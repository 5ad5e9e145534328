"""The operations routes: names, paths and the access each declares."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse

from core.accounts.permissions import PUBLIC, policy_of


@pytest.mark.parametrize(
    ("name", "path"),
    [("ops:healthz", "/healthz"), ("ops:readyz", "/readyz"), ("ops:metrics", "/metrics")],
)
def test_ops_routes_are_public_and_named(name, path):
    assert reverse(name) == path
    policy = policy_of(resolve(path).func)
    assert policy is not None
    assert policy.kind == PUBLIC
