"""Matrix cases of web push and the SMS status callback (core.notifications).

Every push route is for any signed-in person, on their own subscriptions only (owner checks
are proven in src/core/notifications/tests/test_push_api.py). The Twilio callback is public
but signed: the matrix client cannot sign, so every caller it plays gets 403 (the signed path
is proven in test_sms_webhooks.py). /sw.js is the public service worker script.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from core.notifications.models import PushSubscription
from tests.authz.cases import Case, Ctx, api, static

PUSH = "/api/v1/notifications/push"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _browser_keys() -> dict[str, str]:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": _b64url(point), "auth": _b64url(secrets.token_bytes(16))}


def _subscribe(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    endpoint = f"https://updates.push.services.mozilla.com/send/{secrets.token_hex(8)}"
    return f"{PUSH}/subscriptions", {"endpoint": endpoint, "keys": _browser_keys()}


def _own_subscription(ctx: Ctx) -> tuple[str, None]:
    keys = _browser_keys()
    row = PushSubscription.objects.create(
        user=ctx.owner,
        endpoint=f"https://updates.push.services.mozilla.com/send/{secrets.token_hex(8)}",
        p256dh=keys["p256dh"],
        auth=keys["auth"],
    )
    return f"{PUSH}/subscriptions/{row.pk}", None


CASES: dict[tuple[str, str], Case] = {
    # 503 while the test settings carry no VAPID key (push_not_configured).
    ("GET", f"{PUSH}/key"): api(lambda ctx: (f"{PUSH}/key", None)),
    ("POST", f"{PUSH}/subscriptions"): api(_subscribe, ok=(201,)),
    ("GET", f"{PUSH}/subscriptions"): api(lambda ctx: (f"{PUSH}/subscriptions", None)),
    ("DELETE", f"{PUSH}/subscriptions/{{subscription_id}}"): api(_own_subscription, ok=(204,)),
    ("*", "/notifications/sms/status/"): static(
        "/notifications/sms/status/", method="POST", ok=(403,)
    ),
    ("*", "/sw.js"): static("/sw.js"),
}
