"""Helpers shared by the API and accounts token tests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.test import override_settings

from core.accounts.models import User
from core.accounts.tokens import access_token_encode

JSON = "application/json"


@contextmanager
def jwt_keys_in(directory: Path) -> Iterator[Path]:
    """Point the JWT key ring at a private directory for the duration of a test."""
    with override_settings(JWT_KEYS_DIR=directory):
        yield directory


def bearer_for(user: User, *, tenant_id: int | None = None, roles: list[str] | None = None) -> str:
    token = access_token_encode(user_id=user.pk, tenant_id=tenant_id, roles=roles or [])
    return f"Bearer {token}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, Any], claims: dict[str, Any], *, hmac_key: bytes | None) -> str:
    """Hand-build a JWT (pyjwt refuses to make these): unsigned, or HMAC-SHA256 with a key."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    if hmac_key is None:
        return f"{signing_input}."
    signature = hmac.new(hmac_key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def problem(response: Any) -> dict[str, Any]:
    """The problem+json body of a response, checking the media type on the way."""
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body
