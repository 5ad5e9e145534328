"""Fixtures of the authorization matrix."""

from __future__ import annotations

import pytest

from core.accounts.tokens import access_token_encode


@pytest.fixture
def api_login():
    """Sign a user in for API calls with a real RS256 access token (the Bearer path)."""

    def login(client, user) -> dict[str, str]:
        token = access_token_encode(user_id=user.pk, tenant_id=None, roles=[])
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return login
