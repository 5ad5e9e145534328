"""AES-256-GCM key ring and blind-index key, parsed from settings.

Ring format: ``"kid1:base64key,kid2:base64key"``; the first key encrypts, every key decrypts.
This module must not import Django models: settings import `ensure_local_keys` from it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

KEY_BYTES = 32


class KeyRingError(ValueError):
    """The key ring text is malformed."""


@dataclass(frozen=True)
class KeyRing:
    """Ordered encryption keys by id; `active_id` is the key new ciphertext uses."""

    keys: dict[str, bytes]
    active_id: str

    @property
    def active(self) -> bytes:
        return self.keys[self.active_id]


def parse_keyring(text: str) -> KeyRing:
    """Parse and validate ring text; every key must decode to exactly 32 bytes."""
    keys: dict[str, bytes] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        kid, sep, encoded = item.partition(":")
        if not sep or not kid or not kid.isalnum():
            raise KeyRingError("Each key must be written as '<alphanumeric id>:<base64 key>'.")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise KeyRingError(f"Key {kid!r} is not valid base64.") from exc
        if len(raw) != KEY_BYTES:
            raise KeyRingError(f"Key {kid!r} must be {KEY_BYTES} bytes (AES-256).")
        if kid in keys:
            raise KeyRingError(f"Key id {kid!r} appears twice.")
        keys[kid] = raw
    if not keys:
        raise KeyRingError("The key ring is empty.")
    return KeyRing(keys=keys, active_id=next(iter(keys)))


@lru_cache(maxsize=8)
def _cached_ring(text: str) -> KeyRing:
    return parse_keyring(text)


def current_keyring() -> KeyRing:
    """The ring configured in settings (parsed once per distinct value)."""
    from django.conf import settings

    return _cached_ring(settings.FIELD_ENCRYPTION_KEYS)


def blind_index(value: str) -> str:
    """HMAC-SHA256 of the normalised value: equal inputs match without revealing them."""
    from django.conf import settings

    key = base64.b64decode(settings.BLIND_INDEX_KEY)
    normalised = value.strip().lower().encode()
    return hmac.new(key, normalised, hashlib.sha256).hexdigest()


def new_key_text(kid: str) -> str:
    """A fresh ring entry ``kid:base64key``."""
    return f"{kid}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def ensure_local_keys(directory: Path) -> tuple[str, str, str]:
    """Create (once) and return the embedded mode's secret key, key ring and blind-index key.

    Environment variables win when set, so the embedded mode can still be pinned.
    """
    directory.mkdir(parents=True, exist_ok=True)
    store = directory / "local-secrets.json"
    if store.exists():
        data = json.loads(store.read_text())
    else:
        data = {
            "secret_key": secrets.token_urlsafe(50),
            "field_encryption_keys": new_key_text("k1"),
            "blind_index_key": base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode(),
        }
        store.write_text(json.dumps(data, indent=2))
        os.chmod(store, 0o600)
    return (
        os.environ.get("SECRET_KEY") or data["secret_key"],
        os.environ.get("FIELD_ENCRYPTION_KEYS") or data["field_encryption_keys"],
        os.environ.get("BLIND_INDEX_KEY") or data["blind_index_key"],
    )
