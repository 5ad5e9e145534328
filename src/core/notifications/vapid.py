"""VAPID keys (RFC 8292): the P-256 pair that identifies this server to browser push services.

Both keys are base64url without padding: the private key is the raw 32-byte scalar (what
pywebpush reads), the public key the 65-byte uncompressed point (what the browser's
``pushManager.subscribe({applicationServerKey})`` takes). Changing the pair orphans every
existing subscription: push services refuse a JWT signed by a key other than the one the
subscription was made with.

This module must not import Django models: settings import `ensure_local_vapid_keys` and
`vapid_keys_check` from it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured

PRIVATE_BYTES = 32
PUBLIC_BYTES = 65
STORE_NAME = "vapid.json"


class VapidKeyError(ImproperlyConfigured):
    """A VAPID key is malformed, or the public key does not belong to the private key."""


@dataclass(frozen=True)
class VapidKeys:
    """A VAPID pair, both halves base64url without padding."""

    private: str
    public: str


def b64url_encode(raw: bytes) -> str:
    """base64url without padding, as Web Push writes keys."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; raise ValueError on anything else."""
    cleaned = text.strip().rstrip("=")
    if not cleaned or any(c not in _B64URL for c in cleaned):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _public_of(key: ec.EllipticCurvePrivateKey) -> str:
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url_encode(point)


def vapid_keys_generate() -> VapidKeys:
    """A fresh P-256 pair."""
    key = ec.generate_private_key(ec.SECP256R1())
    scalar = key.private_numbers().private_value.to_bytes(PRIVATE_BYTES, "big")
    return VapidKeys(private=b64url_encode(scalar), public=_public_of(key))


def vapid_public_key_of(private: str) -> str:
    """The public key that belongs to a base64url private scalar."""
    try:
        raw = b64url_decode(private)
    except ValueError as exc:
        raise VapidKeyError("VAPID_PRIVATE_KEY is not base64url.") from exc
    if len(raw) != PRIVATE_BYTES:
        raise VapidKeyError(f"VAPID_PRIVATE_KEY must decode to {PRIVATE_BYTES} bytes.")
    try:
        key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except ValueError as exc:
        raise VapidKeyError("VAPID_PRIVATE_KEY is not a valid P-256 key.") from exc
    return _public_of(key)


def vapid_keys_check(private: str, public: str = "") -> VapidKeys:
    """Validate a configured pair; an empty `public` is derived from `private`."""
    derived = vapid_public_key_of(private)
    if public and public.rstrip("=") != derived:
        raise VapidKeyError("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY.")
    return VapidKeys(private=private, public=derived)


def vapid_keys_from_settings() -> VapidKeys | None:
    """The configured pair, or None when web push is not configured (no private key)."""
    from django.conf import settings

    private = getattr(settings, "VAPID_PRIVATE_KEY", "")
    if not private:
        return None
    return vapid_keys_check(private, getattr(settings, "VAPID_PUBLIC_KEY", ""))


def ensure_local_vapid_keys(directory: Path) -> tuple[str, str]:
    """Create (once) and return the embedded mode's VAPID pair as (private, public).

    Stored in ``<directory>/vapid.json`` with mode 0600, so subscriptions survive restarts;
    settings let VAPID_PRIVATE_KEY / VAPID_PUBLIC_KEY in the environment override it.
    """
    directory.mkdir(parents=True, exist_ok=True)
    store = directory / STORE_NAME
    if store.exists():
        data = json.loads(store.read_text())
    else:
        keys = vapid_keys_generate()
        data = {"private_key": keys.private, "public_key": keys.public}
        fd = os.open(store, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(json.dumps(data, indent=2))
    return data["private_key"], data["public_key"]
