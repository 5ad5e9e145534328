"""AES-256-GCM key ring and blind-index key, parsed from settings.

Ring format: ``"kid1:base64key,kid2:base64key"``; the first key encrypts, every key decrypts.
Rotation: `manage.py generate_field_key` prints a new entry, the operator puts it first in
``FIELD_ENCRYPTION_KEYS``, deploys, runs `manage.py reencrypt_fields`, and drops the old key
once a `--dry-run` reports nothing left under it.

Blind index: HMAC-SHA256 keyed by ``BLIND_INDEX_KEY`` (base64, at least 32 bytes) over
``context NUL normalised-value``. The context names the column, so equal values in two
columns get unrelated digests and cannot be correlated by someone reading the database.
The blind-index key cannot rotate without recomputing every index; keep it stable.

This module must not import Django models: settings import `ensure_local_keys` from it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import unicodedata
from collections.abc import Callable
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
        if not sep or not kid or not kid.isalnum() or not kid.isascii():
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


def normalise_text(value: str) -> str:
    """NFKC-normalised, case-folded, whitespace runs collapsed to one space, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def normalise_digits(value: str) -> str:
    """Only the digits, as ASCII (national ids, phone numbers written with spaces or dashes)."""
    return "".join(
        str(unicodedata.digit(char)) for char in value if unicodedata.digit(char, None) is not None
    )


NORMALISERS: dict[str, Callable[[str], str]] = {
    "text": normalise_text,
    "digits": normalise_digits,
}


@lru_cache(maxsize=4)
def _blind_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise KeyRingError("BLIND_INDEX_KEY is not valid base64.") from exc
    if len(key) < KEY_BYTES:
        raise KeyRingError(f"BLIND_INDEX_KEY must be at least {KEY_BYTES} bytes.")
    return key


def blind_index(value: str, *, context: str = "", normaliser: str = "text") -> str:
    """HMAC-SHA256 of the normalised value: equal inputs match without revealing them.

    `context` separates columns (``"app_label.model.field"``); `normaliser` is a key of
    `NORMALISERS`.
    """
    from django.conf import settings

    if "\0" in context:
        raise ValueError("A blind-index context cannot contain NUL.")
    normalised = NORMALISERS[normaliser](value)
    message = context.encode() + b"\0" + normalised.encode()
    return hmac.new(_blind_key(settings.BLIND_INDEX_KEY), message, hashlib.sha256).hexdigest()


def new_key_text(kid: str) -> str:
    """A fresh ring entry ``kid:base64key``; the id must be alphanumeric."""
    if not kid or not kid.isalnum() or not kid.isascii():
        raise KeyRingError("A key id must be non-empty ASCII letters and digits.")
    return f"{kid}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def ensure_local_keys(directory: Path) -> tuple[str, str, str]:
    """Create (once) and return the embedded mode's secret key, key ring and blind-index key.

    The file is written with mode 0600; settings let environment variables override each.
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
        data["secret_key"],
        data["field_encryption_keys"],
        data["blind_index_key"],
    )
