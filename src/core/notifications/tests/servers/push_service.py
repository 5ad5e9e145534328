"""A local Web Push service (RFC 8030) for the web push transport's tests.

``POST /push/<token>`` is checked as a push service would:

- ``Authorization: vapid t=<JWT>, k=<public key>`` (RFC 8292): the JWT is ES256, signed by
  `k`; ``aud`` is this server's origin; ``exp`` is in the future and at most 24 h away;
  ``sub`` is present. A bad header answers 401; a `k` other than the applicationServerKey the
  subscription was made with answers 403.
- ``TTL`` present, ``Content-Encoding: aes128gcm``; the body is decrypted with http_ece
  (RFC 8291) using the subscriber's private key and auth secret, so tests read the exact
  payload.

Tokens registered with a `state` other than "ok" answer: gone 410, not_found 404,
throttled 429, unavailable 503, too_large 413. Accepted pushes answer 201 with a Location.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from core.notifications.tests.servers import LocalServer, QuietHandler

STATES = {"gone": 410, "not_found": 404, "throttled": 429, "unavailable": 503, "too_large": 413}


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Subscriber:
    """One browser: its key pair and auth secret, as the test generated them."""

    token: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    server_key: str  # the applicationServerKey the subscription was made with
    state: str = "ok"

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)


@dataclass(frozen=True)
class ReceivedPush:
    token: str
    payload: bytes
    ttl: int
    urgency: str
    claims: dict[str, Any]
    message_id: str = field(default="")


def parse_vapid(header: str) -> tuple[str, str]:
    """(JWT, public key) from ``vapid t=…, k=…``; ValueError when malformed."""
    scheme, _, rest = header.partition(" ")
    if scheme.lower() != "vapid":
        raise ValueError("not the vapid scheme")
    parts = dict(item.strip().split("=", 1) for item in rest.split(",") if "=" in item)
    if "t" not in parts or "k" not in parts:
        raise ValueError("t and k are required")
    return parts["t"], parts["k"]


class PushHandler(QuietHandler):
    def do_POST(self) -> None:
        token = self.path.removeprefix("/push/")
        subscriber = self.owner.subscribers.get(token)
        if not self.path.startswith("/push/") or subscriber is None:
            self.answer(404)
            return
        try:
            claims, key = self.owner.verify_vapid(self.headers.get("Authorization", ""))
        except (ValueError, jwt.PyJWTError) as exc:
            self.answer(401, str(exc).encode())
            return
        if key.rstrip("=") != subscriber.server_key.rstrip("="):
            self.answer(403, b"VAPID key does not match the subscription")
            return
        if subscriber.state != "ok":
            self.answer(STATES[subscriber.state])
            return
        ttl = self.headers.get("TTL")
        if ttl is None or not ttl.isdigit():
            self.answer(400, b"TTL header required")
            return
        if self.headers.get("Content-Encoding") != "aes128gcm":
            self.answer(415, b"aes128gcm required")
            return
        payload = http_ece.decrypt(
            self.body(),
            private_key=subscriber.private_key,
            auth_secret=subscriber.auth_secret,
            version="aes128gcm",
        )
        message_id = secrets.token_hex(8)
        self.owner.record(
            ReceivedPush(
                token,
                payload,
                int(ttl),
                self.headers.get("Urgency", ""),
                claims,
                message_id,
            )
        )
        self.answer(201, headers={"Location": f"{self.owner.origin}/message/{message_id}"})


class FakePushService(LocalServer):
    """The server; `subscribe()` makes a browser subscription pointing at it."""

    handler = PushHandler

    def __init__(self) -> None:
        super().__init__()
        self.subscribers: dict[str, Subscriber] = {}
        self.received: list[ReceivedPush] = []
        self._lock = threading.Lock()

    def subscribe(self, server_key: str, *, state: str = "ok") -> Subscriber:
        """A fresh subscriber for the application server key `server_key`."""
        if state != "ok" and state not in STATES:
            raise ValueError(state)
        token = secrets.token_urlsafe(16)
        subscriber = Subscriber(
            token=token,
            endpoint=f"{self.origin}/push/{token}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=secrets.token_bytes(16),
            server_key=server_key,
            state=state,
        )
        self.subscribers[token] = subscriber
        return subscriber

    def record(self, push: ReceivedPush) -> None:
        with self._lock:
            self.received.append(push)

    def verify_vapid(self, header: str) -> tuple[dict[str, Any], str]:
        token, key = parse_vapid(header)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        claims = jwt.decode(
            token,
            key=public,
            algorithms=["ES256"],
            audience=self.origin,
            options={"require": ["aud", "exp", "sub"]},
        )
        if claims["exp"] > time.time() + 24 * 3600:
            raise ValueError("exp more than 24 hours ahead")
        if not claims["sub"]:
            raise ValueError("sub is empty")
        return claims, key

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(p.payload) for p in self.received]
