"""RS256 access tokens and the on-disk signing key ring they are signed with.

The ring lives in ``settings.JWT_KEYS_DIR``: one ``<kid>.pem`` private key per key (mode 0600)
and ``manifest.json`` mapping each kid to ``created_at`` / ``retired_at`` / ``overlap_seconds``.
The newest non-retired key signs. A retired key keeps verifying (and stays in the JWKS) until
``retired_at + overlap``; rotation prunes it after that. Changes to the ring happen under an
exclusive ``flock`` and are written with ``os.replace``, so concurrent processes never lose a
key; readers cache the ring and reload when the manifest file changes.
"""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
import re
import secrets
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from core.accounts.errors import InvalidToken

logger = logging.getLogger(__name__)

ALGORITHM = "RS256"
KEY_BITS = 2048
LEEWAY_SECONDS = 10
MANIFEST = "manifest.json"
_KID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]


def _now() -> datetime:
    return timezone.now()


@dataclass(frozen=True)
class SigningKey:
    """One RSA key of the ring and the window in which it verifies tokens."""

    kid: str
    private_key: rsa.RSAPrivateKey
    created_at: datetime
    retired_at: datetime | None
    overlap: timedelta

    def verifies_at(self, now: datetime) -> bool:
        return self.retired_at is None or now < self.retired_at + self.overlap

    def public_jwk(self) -> dict[str, str]:
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "alg": ALGORITHM,
            "kid": self.kid,
            "n": _b64uint(numbers.n),
            "e": _b64uint(numbers.e),
        }


def _b64uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class KeyRing:
    """The signing keys found in one directory, newest first."""

    def __init__(self, keys: list[SigningKey]) -> None:
        self.keys = sorted(keys, key=lambda k: k.created_at, reverse=True)

    def active(self) -> SigningKey | None:
        return next((k for k in self.keys if k.retired_at is None), None)

    def verification_key(self, kid: str, now: datetime) -> SigningKey | None:
        return next((k for k in self.keys if k.kid == kid and k.verifies_at(now)), None)

    def jwks(self, now: datetime) -> dict[str, list[dict[str, str]]]:
        return {"keys": [k.public_jwk() for k in self.keys if k.verifies_at(now)]}


# ---------------------------------------------------------------------------- disk format


def _keys_dir() -> Path:
    return Path(settings.JWT_KEYS_DIR)


def _read_manifest(directory: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        return {}
    return dict(data.get("keys", {}))


def _write_manifest(directory: Path, entries: dict[str, dict[str, Any]]) -> None:
    temp = directory / f".{MANIFEST}.{secrets.token_hex(6)}.tmp"
    temp.write_text(json.dumps({"keys": entries}, indent=2, sort_keys=True))
    os.chmod(temp, 0o600)
    os.replace(temp, directory / MANIFEST)


@contextmanager
def _ring_lock(directory: Path) -> Iterator[None]:
    """Exclusive lock across processes for read-modify-write of the ring."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _new_key_file(directory: Path, now: datetime) -> str:
    """Generate an RSA key and write it as <kid>.pem, created exclusively with mode 0600."""
    kid = f"{now:%Y%m%d%H%M%S}-{secrets.token_hex(6)}"
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(directory / f"{kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return kid


def _load_ring(directory: Path) -> KeyRing:
    keys = []
    for kid, entry in _read_manifest(directory).items():
        if not _KID.match(kid):
            continue
        try:
            pem = (directory / f"{kid}.pem").read_bytes()
        except FileNotFoundError:
            logger.error("JWT key %s is in the manifest but its file is missing", kid)
            continue
        private_key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey) or private_key.key_size < 2048:
            continue
        retired = entry.get("retired_at")
        keys.append(
            SigningKey(
                kid=kid,
                private_key=private_key,
                created_at=datetime.fromisoformat(entry["created_at"]),
                retired_at=datetime.fromisoformat(retired) if retired else None,
                overlap=timedelta(seconds=int(entry.get("overlap_seconds", 0))),
            )
        )
    return KeyRing(keys)


# ---------------------------------------------------------------------------- cached access

_cache_lock = threading.Lock()
_cache: dict[str, Any] = {}


def _manifest_stamp(directory: Path) -> tuple[int, int, int] | None:
    try:
        stat = (directory / MANIFEST).stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def key_ring() -> KeyRing:
    """The current ring, creating a first key in an empty directory; cached until it changes."""
    directory = _keys_dir()
    with _cache_lock:
        stamp = _manifest_stamp(directory)
        if stamp is not None and _cache.get("id") == (str(directory), stamp):
            ring: KeyRing = _cache["ring"]
            return ring
        if stamp is None or not any(
            v.get("retired_at") is None for v in _read_manifest(directory).values()
        ):
            if not settings.JWT_AUTO_CREATE_KEY:
                # Every process must sign with the same key: a production container that
                # minted its own would issue tokens the others reject.
                raise ImproperlyConfigured(
                    f"No active JWT signing key in {directory}; "
                    "run `manage.py rotate_jwt_keys` on the shared key volume."
                )
            _rotate_locked(directory, overlap=settings.JWT_KEY_OVERLAP, only_if_missing=True)
            stamp = _manifest_stamp(directory)
        ring = _load_ring(directory)
        _cache.update(id=(str(directory), stamp), ring=ring)
        return ring


def _rotate_locked(directory: Path, *, overlap: timedelta, only_if_missing: bool) -> str | None:
    """Add a new active key and retire the others, pruning keys past their overlap.

    With `only_if_missing` nothing happens when another process already made an active key.
    Returns the new kid, or None when nothing was created.
    """
    with _ring_lock(directory):
        now = _now()
        entries = _read_manifest(directory)
        if only_if_missing and any(e.get("retired_at") is None for e in entries.values()):
            return None
        for entry in entries.values():
            if entry.get("retired_at") is None:
                entry["retired_at"] = now.isoformat()
                entry["overlap_seconds"] = int(overlap.total_seconds())
        for kid in [kid for kid, e in entries.items() if _expired(e, now)]:
            del entries[kid]
            (directory / f"{kid}.pem").unlink(missing_ok=True)
        kid = _new_key_file(directory, now)
        entries[kid] = {"created_at": now.isoformat(), "retired_at": None, "overlap_seconds": 0}
        _write_manifest(directory, entries)
        return kid


def _expired(entry: dict[str, Any], now: datetime) -> bool:
    retired = entry.get("retired_at")
    if not retired:
        return False
    overlap = timedelta(seconds=int(entry.get("overlap_seconds", 0)))
    return now >= datetime.fromisoformat(retired) + overlap


def key_ring_rotate(*, overlap: timedelta) -> str:
    """Create a new signing key now; older keys verify for `overlap` more. Returns its kid."""
    kid = _rotate_locked(_keys_dir(), overlap=overlap, only_if_missing=False)
    if kid is None:
        raise RuntimeError("Key rotation did not create a key.")
    return kid


def jwks() -> dict[str, list[dict[str, str]]]:
    """The public JSON Web Key Set: every key that currently verifies tokens."""
    return key_ring().jwks(_now())


# ---------------------------------------------------------------------------- tokens


def access_token_encode(*, user_id: int, tenant_id: int | None, roles: list[str]) -> str:
    """Sign a short-lived access token for the user, scoped to one tenant (or none)."""
    ring = key_ring()
    key = ring.active()
    if key is None:
        raise RuntimeError("The JWT key ring has no active key.")
    now = _now()
    claims = {
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        "sub": str(user_id),
        "tenant": tenant_id,
        "roles": roles,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + settings.JWT_ACCESS_TTL).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


def access_token_decode(token: str) -> dict[str, Any]:
    """Verify signature, kid, algorithm, issuer, audience and times; raise InvalidToken."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken() from exc
    kid = header.get("kid")
    if header.get("alg") != ALGORITHM or not isinstance(kid, str):
        raise InvalidToken()
    key = key_ring().verification_key(kid, _now())
    if key is None:
        raise InvalidToken()
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.private_key.public_key(),
            algorithms=[ALGORITHM],
            audience=settings.JWT_AUDIENCE,
            issuer=settings.JWT_ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": _REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken() from exc
    return claims
