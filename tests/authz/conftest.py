"""Fixtures of the authorization matrix."""

from __future__ import annotations

import pytest


@pytest.fixture
def api_login():
    """Sign a user in for API calls; returns extra request headers (none for a session)."""

    def login(client, user) -> dict[str, str]:
        client.force_login(user)
        return {}

    return login
