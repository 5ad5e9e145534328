"""Live-socket test helpers: sign-ins, tokens, and a communicator against the real ASGI app."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.layers import get_channel_layer
from django.conf import settings
from django.test import Client
from prometheus_client import REGISTRY

from core.accounts.roles import Role
from core.accounts.tokens import access_token_encode
from core.api.tests.helpers import jwt_keys_in

ORIGIN = (b"origin", b"http://testserver")


@pytest.fixture(autouse=True)
def keys_dir(tmp_path) -> Iterator[Any]:
    with jwt_keys_in(tmp_path / "test-keys" / "jwt") as directory:
        yield directory


@pytest.fixture(autouse=True)
def _empty_layer():
    """Every test starts with no groups and no queued messages in the channel layer."""
    async_to_sync(get_channel_layer().flush)()
    yield
    async_to_sync(get_channel_layer().flush)()


def application():
    from config.asgi import application as app  # noqa: PLC0415 - sets Django up on import

    return app


class LiveCommunicator(ApplicationCommunicator):
    """channels.testing.WebsocketCommunicator's shortcuts (that package imports daphne)."""

    def __init__(self, app, path: str, *, headers=(), subprotocols=None) -> None:
        scope = {
            "type": "websocket",
            "path": path,
            "query_string": b"",
            "headers": list(headers),
            "subprotocols": list(subprotocols or []),
        }
        super().__init__(app, scope)

    async def connect(self, timeout: float = 2) -> tuple[bool, Any]:
        """(True, subprotocol) when accepted, (False, close code) when refused."""
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return (False, response.get("code", 1000))
        assert response["type"] == "websocket.accept"
        return (True, response.get("subprotocol"))

    async def send_json_to(self, data: Any) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def send_text_to(self, text: str) -> None:
        await self.send_input({"type": "websocket.receive", "text": text})

    async def receive_json_from(self, timeout: float = 2) -> Any:
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def disconnect(self, code: int = 1000, timeout: float = 2) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


def communicator(*, headers=(), subprotocols=None) -> LiveCommunicator:
    return LiveCommunicator(application(), "/ws/live/", headers=headers, subprotocols=subprotocols)


def session_cookie(client: Client) -> tuple[bytes, bytes]:
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={value}".encode())


def sign_in(user, password: str, totp_secret: str | None = None) -> Client:
    """Sign in through the real login pages (and the MFA step for staff)."""
    client = Client()
    response = client.post("/accounts/login/", {"email": user.email, "password": password})
    if totp_secret is not None:
        code = pyotp.TOTP(totp_secret).at(int(time.time()) + 30)
        response = client.post("/accounts/login/verify/", {"code": code})
    assert response.status_code == 302, response.content
    return client


def token_for(user, *, tenant_id=None) -> str:
    return access_token_encode(user_id=user.pk, tenant_id=tenant_id, roles=[])


def run(scenario):
    """Run an async scenario (a callable returning an awaitable) from a sync test.

    ORM calls the consumer makes through database_sync_to_async run on this thread.
    """

    async def call():
        return await scenario()

    return async_to_sync(call)()


def open_sockets() -> float:
    return REGISTRY.get_sample_value("platform_live_sockets") or 0.0


def published(kind: str) -> float:
    return REGISTRY.get_sample_value("platform_live_events_total", {"kind": kind}) or 0.0


@pytest.fixture
def customer(user_factory, membership_factory, tenant_factory):
    tenant = tenant_factory(slug="tirta-asri")
    user = user_factory(email="pelanggan@tirta.id")
    membership_factory(user=user, tenant=tenant, role=Role.CUSTOMER)
    return user


@pytest.fixture
def operator(user_factory, membership_factory, mfa_enrol, customer):
    """Staff of the customer's tenant, MFA enrolled; `totp_secret` for the second step."""
    user = user_factory(email="operator@tirta.id")
    membership_factory(
        user=user, tenant=customer.memberships.get().tenant, role=Role.CLIENT_OPERATOR
    )
    user.totp_secret, _codes = mfa_enrol(user)
    return user
