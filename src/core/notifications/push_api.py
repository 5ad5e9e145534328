"""Web push API: the VAPID public key, and the caller's browser subscriptions.

Mounted by the app's router; paths below are relative to /api/v1. The subscription body is
the browser's ``PushSubscription.toJSON()``. Endpoints must be https and must not name a
loopback, private or link-local address (the server POSTs to them), except hosts listed in
``PUSH_INSECURE_HOSTS`` (tests and local push services), which may also use http.

No ``from __future__ import annotations`` here: ninja reads the handler annotations at import.
"""

import ipaddress
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from core.accounts.models import User
from core.accounts.permissions import access
from core.api.schemas import Page, PageIn, Strict, page_of
from core.errors import ApplicationError
from core.notifications.transports.webpush import (
    push_subscription_delete,
    push_subscription_list_for,
    push_subscription_save,
)
from core.notifications.vapid import b64url_decode, b64url_encode, vapid_keys_from_settings

router = Router(tags=["notifications"])

P256DH_BYTES = 65
AUTH_BYTES = 16


class PushNotConfigured(ApplicationError):
    """The server has no VAPID key, so browsers cannot subscribe."""

    code = "push_not_configured"
    status = 503
    title = "Web push is not configured on this server"


def _key(value: str, *, size: int, what: str) -> str:
    try:
        raw = b64url_decode(value)
    except ValueError as exc:
        raise ValueError(f"{what} must be base64url") from exc
    if len(raw) != size:
        raise ValueError(f"{what} must decode to {size} bytes")
    return b64url_encode(raw)


def _insecure_hosts() -> set[str]:
    return {h.lower() for h in settings.PUSH_INSECURE_HOSTS}


def _known_service(host: str) -> bool:
    return any(host == known or host.endswith("." + known) for known in settings.PUSH_SERVICE_HOSTS)


def _internal(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


class PushKeysIn(Strict):
    p256dh: str = Field(description="The browser's P-256 public key, uncompressed, base64url")
    auth: str = Field(description="16-byte authentication secret, base64url")

    @field_validator("p256dh")
    @classmethod
    def _p256dh(cls, value: str) -> str:
        text = _key(value, size=P256DH_BYTES, what="p256dh")
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(text))
        except ValueError as exc:
            raise ValueError("p256dh must be an uncompressed P-256 point") from exc
        return text

    @field_validator("auth")
    @classmethod
    def _auth(cls, value: str) -> str:
        return _key(value, size=AUTH_BYTES, what="auth")


class PushSubscriptionIn(Strict):
    endpoint: str = Field(max_length=1000, description="The push service URL (https)")
    keys: PushKeysIn
    expirationTime: int | None = Field(default=None, description="Ignored")  # noqa: N815

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        host = (parts.hostname or "").lower()
        if not host or parts.username or parts.password:
            raise ValueError("endpoint must be an absolute URL without credentials")
        if host in _insecure_hosts():
            if parts.scheme not in {"https", "http"}:
                raise ValueError("endpoint must be an http(s) URL")
        elif parts.scheme != "https":
            raise ValueError("endpoint must be an https URL")
        elif _internal(host):
            raise ValueError("endpoint must be a public push service")
        elif not _known_service(host):
            raise ValueError("endpoint is not a known browser push service")
        return value.strip()


class PushKeyOut(Schema):
    public_key: str = Field(description="applicationServerKey for pushManager.subscribe()")


class PushSubscriptionOut(Schema):
    id: int
    endpoint: str
    user_agent: str
    created_at: datetime
    last_success_at: datetime | None


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.get(
    "/notifications/push/key",
    response=PushKeyOut,
    summary="The server's VAPID public key (applicationServerKey)",
)
@access(authenticated=True)
def push_key(request: HttpRequest) -> dict[str, str]:
    keys = vapid_keys_from_settings()
    if keys is None:
        raise PushNotConfigured()
    return {"public_key": keys.public}


@router.post(
    "/notifications/push/subscriptions",
    response={200: PushSubscriptionOut, 201: PushSubscriptionOut},
    summary="Save this browser's push subscription (201 new, 200 already known)",
)
@access(authenticated=True)
def push_subscription_create(request: HttpRequest, payload: PushSubscriptionIn) -> Status[Any]:
    """An endpoint already subscribed by another account moves to the caller."""
    subscription, created = push_subscription_save(
        actor=_user(request),
        endpoint=payload.endpoint,
        p256dh=payload.keys.p256dh,
        auth=payload.keys.auth,
        user_agent=request.headers.get("User-Agent", ""),
    )
    return Status(201 if created else 200, subscription)


@router.get(
    "/notifications/push/subscriptions",
    response=Page[PushSubscriptionOut],
    summary="The caller's push subscriptions, newest first",
)
@access(authenticated=True)
def push_subscription_list(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    return page_of(push_subscription_list_for(actor=_user(request)), page)


@router.delete(
    "/notifications/push/subscriptions/{subscription_id}",
    response={204: None},
    summary="Forget one of the caller's push subscriptions",
)
@access(authenticated=True)
def push_subscription_remove(request: HttpRequest, subscription_id: int) -> Status[Any]:
    push_subscription_delete(actor=_user(request), subscription_id=subscription_id)
    return Status(204, None)
