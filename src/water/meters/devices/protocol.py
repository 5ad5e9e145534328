"""The device wire protocol: canonical strings, HMAC signatures, replay window, MQTT topics.

Shared by the HTTP auth class, the MQTT consumer and the simulator, so the device side and
the server side cannot drift. Described for firmware authors in docs/device-protocol.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

CLOCK_SKEW_SECONDS = 300
NONCE_MIN_LENGTH = 16
NONCE_MAX_LENGTH = 64
DEVICE_KEY_BYTES = 32
TOPIC_ROOT = "indowater"
MQTT_METHOD = "MQTT"

HEADER_KEY_ID = "X-Device-Key-Id"
HEADER_TIMESTAMP = "X-Device-Timestamp"
HEADER_NONCE = "X-Device-Nonce"
HEADER_SIGNATURE = "X-Device-Signature"


def body_digest(body: bytes) -> str:
    """Lower-case hex SHA-256 of the exact body bytes (of b"" when there is no body)."""
    return hashlib.sha256(body).hexdigest()


def canonical_string(*, method: str, path: str, timestamp: int, nonce: str, body: bytes) -> str:
    """What is signed: METHOD, path, timestamp, nonce and body digest, one per line."""
    return f"{method.upper()}\n{path}\n{timestamp}\n{nonce}\n{body_digest(body)}"


def sign(key: bytes, *, method: str, path: str, timestamp: int, nonce: str, body: bytes) -> str:
    """base64(HMAC-SHA256(key, canonical string))."""
    message = canonical_string(
        method=method, path=path, timestamp=timestamp, nonce=nonce, body=body
    )
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signature_matches(expected: str, presented: str) -> bool:
    """Constant-time comparison of two base64 signatures."""
    return hmac.compare_digest(expected.encode(), presented.encode())


def new_nonce() -> str:
    """A random single-use nonce (32 hex characters)."""
    return secrets.token_hex(16)


def new_device_key() -> bytes:
    """32 random bytes: the HMAC key of one enrolment."""
    return secrets.token_bytes(DEVICE_KEY_BYTES)


def encode_key(key: bytes) -> str:
    """The key as the device receives and stores it (standard base64)."""
    return base64.b64encode(key).decode()


def decode_key(text: str) -> bytes:
    """The raw key bytes back from their base64 text."""
    return base64.b64decode(text, validate=True)


def nonce_is_well_formed(nonce: str) -> bool:
    """16–64 characters of [A-Za-z0-9_-]."""
    return NONCE_MIN_LENGTH <= len(nonce) <= NONCE_MAX_LENGTH and all(
        ch.isascii() and (ch.isalnum() or ch in "-_") for ch in nonce
    )


def readings_topic(serial: str) -> str:
    return f"{TOPIC_ROOT}/{serial}/readings"


def acks_topic(serial: str) -> str:
    return f"{TOPIC_ROOT}/{serial}/acks"


def commands_topic(serial: str) -> str:
    return f"{TOPIC_ROOT}/{serial}/commands"


def serial_of_topic(topic: str) -> tuple[str, str] | None:
    """(serial, channel) of ``indowater/<serial>/<channel>``, or None for anything else."""
    parts = topic.split("/")
    if len(parts) != 3 or parts[0] != TOPIC_ROOT or not parts[1]:
        return None
    return parts[1], parts[2]


@dataclass(frozen=True)
class Envelope:
    """A signed MQTT message: who signed, when, the nonce, the signature and the body text."""

    key_id: str
    timestamp: int
    nonce: str
    signature: str
    body: str

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "key_id": self.key_id,
                "timestamp": self.timestamp,
                "nonce": self.nonce,
                "signature": self.signature,
                "body": self.body,
            },
            separators=(",", ":"),
        ).encode()


def envelope_seal(
    *, key: bytes, key_id: str, topic: str, body: dict[str, Any], timestamp: int
) -> Envelope:
    """Sign `body` for publication on `topic` (method "MQTT", path = the topic)."""
    text = json.dumps(body, separators=(",", ":"))
    nonce = new_nonce()
    signature = sign(
        key, method=MQTT_METHOD, path=topic, timestamp=timestamp, nonce=nonce, body=text.encode()
    )
    return Envelope(key_id=key_id, timestamp=timestamp, nonce=nonce, signature=signature, body=text)


def envelope_parse(payload: bytes) -> Envelope | None:
    """The envelope of an MQTT payload, or None when it is not one."""
    try:
        data = json.loads(payload)
        envelope = Envelope(
            key_id=data["key_id"],
            timestamp=data["timestamp"],
            nonce=data["nonce"],
            signature=data["signature"],
            body=data["body"],
        )
    except (ValueError, TypeError, KeyError):
        return None
    if not all(isinstance(v, str) for v in (envelope.key_id, envelope.nonce, envelope.signature)):
        return None
    if not isinstance(envelope.body, str) or type(envelope.timestamp) is not int:
        return None
    return envelope
