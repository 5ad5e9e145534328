"""Model fields that store personal data encrypted with AES-256-GCM under the key ring.

Stored text: ``"<kid>$<base64(nonce || ciphertext || tag)>"``, so every value names the key
that sealed it and the ring can rotate without a flag day.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import models

from core.crypto.keyring import KeyRing, current_keyring

NONCE_BYTES = 12
SEPARATOR = "$"


class DecryptionError(ValueError):
    """Ciphertext could not be opened: unknown key id, tampering or corruption."""


def encrypt(plaintext: str, *, ring: KeyRing | None = None, aad: bytes = b"") -> str:
    """Seal `plaintext` under the ring's active key."""
    ring = ring or current_keyring()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(ring.active).encrypt(nonce, plaintext.encode(), aad or None)
    return f"{ring.active_id}{SEPARATOR}{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, ring: KeyRing | None = None, aad: bytes = b"") -> str:
    """Open a value sealed by `encrypt` with whichever ring key it names."""
    ring = ring or current_keyring()
    kid, sep, body = token.partition(SEPARATOR)
    if not sep or kid not in ring.keys:
        raise DecryptionError(f"Unknown encryption key id {kid!r}.")
    try:
        raw = base64.b64decode(body, validate=True)
        opened = AESGCM(ring.keys[kid]).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad or None)
    except Exception as exc:  # InvalidTag, binascii.Error: all mean "cannot open"
        raise DecryptionError("Ciphertext failed authentication.") from exc
    return opened.decode()


def key_id_of(token: str) -> str:
    """The key id a stored value was sealed with."""
    return token.partition(SEPARATOR)[0]


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text field encrypted at rest. Not filterable: pair it with a blind index for lookups."""

    description = "Text encrypted with AES-256-GCM"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise TypeError(
                f"{self.name} is encrypted; look it up through its blind index instead."
            )
        return super().get_lookup(lookup_name)
