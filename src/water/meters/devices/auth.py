"""Device authentication: every request and message is HMAC-signed with the meter's key.

`device_verify` is the one check, used by the HTTP auth class and the MQTT consumer. A
failure of any kind answers 401 `device_auth_failed` with the same message, so a caller
learns nothing about which part was wrong; the reason is logged for operators.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache import cache
from django.http import HttpRequest
from ninja.security.base import AuthBase
from ninja.throttling import BaseThrottle

from core.api import ratelimit
from core.crypto.fields import DecryptionError
from water.errors import DeviceAuthFailed
from water.meters.devices import protocol
from water.meters.models import Meter, MeterStatus

logger = logging.getLogger("water.devices")

NONCE_CACHE_PREFIX = "device-nonce"
# Remember a nonce for the whole window in which its timestamp would still be accepted.
NONCE_TTL_SECONDS = 2 * protocol.CLOCK_SKEW_SECONDS + 60
DEVICE_RATE = "240/60"  # per meter; devices behind one carrier NAT share an IP


def _refuse(reason: str, key_id: str) -> DeviceAuthFailed:
    logger.warning("device auth refused", extra={"reason": reason, "key_id": key_id[:32]})
    return DeviceAuthFailed()


def device_verify(
    *,
    key_id: str,
    timestamp: str | int,
    nonce: str,
    signature: str,
    method: str,
    path: str,
    body: bytes,
    now: float | None = None,
) -> Meter:
    """The meter whose current key signed this request; raises DeviceAuthFailed otherwise.

    Checks, in order: the timestamp is within ±300 s, the nonce is well formed, the key id
    names a non-retired meter's current key, the signature matches (constant time), and the
    nonce was not seen before for this key (remembered only once the signature is valid).
    """
    current = time.time() if now is None else now
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        raise _refuse("timestamp not an integer", key_id) from None
    if abs(current - stamp) > protocol.CLOCK_SKEW_SECONDS:
        raise _refuse("timestamp outside the window", key_id)
    if not protocol.nonce_is_well_formed(nonce):
        raise _refuse("malformed nonce", key_id)
    if not key_id or len(key_id) > 32:
        raise _refuse("missing key id", key_id)
    meter = Meter.objects.filter(device_key_id=key_id).exclude(status=MeterStatus.RETIRED).first()
    if meter is None or not meter.device_key:
        raise _refuse("unknown key id or retired meter", key_id)
    try:
        key = protocol.decode_key(meter.device_key)
    except (ValueError, DecryptionError):
        raise _refuse("stored key unreadable", key_id) from None
    expected = protocol.sign(key, method=method, path=path, timestamp=stamp, nonce=nonce, body=body)
    if not protocol.signature_matches(expected, signature):
        raise _refuse("bad signature", key_id)
    if not cache.add(f"{NONCE_CACHE_PREFIX}:{key_id}:{nonce}", 1, timeout=NONCE_TTL_SECONDS):
        raise _refuse("replayed nonce", key_id)
    return meter


def _header(request: HttpRequest, name: str) -> str:
    return str(request.headers.get(name, ""))


class DeviceSignature(AuthBase):
    """The X-Device-* headers: key id, timestamp, nonce and signature over the request."""

    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = protocol.HEADER_SIGNATURE
    openapi_description = "HMAC-SHA256 request signature; see docs/device-protocol.md."

    def __call__(self, request: HttpRequest) -> Meter:
        meter = device_verify(
            key_id=_header(request, protocol.HEADER_KEY_ID),
            timestamp=_header(request, protocol.HEADER_TIMESTAMP),
            nonce=_header(request, protocol.HEADER_NONCE),
            signature=_header(request, protocol.HEADER_SIGNATURE),
            method=request.method or "",
            path=request.path,
            body=request.body,
        )
        request.device_meter = meter  # type: ignore[attr-defined]
        return meter


class DeviceRateLimit(BaseThrottle):
    """`DEVICE_RATE` requests per meter (after authentication), instead of per IP."""

    def __init__(self) -> None:
        self._last = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        meter = getattr(request, "device_meter", None)
        ident = f"meter:{meter.pk}" if meter is not None else "meter:unknown"
        decision = ratelimit.hit("device", ident, ratelimit.Rate.parse(DEVICE_RATE))
        self._last.retry_after = decision.retry_after
        return decision.allowed

    def wait(self) -> int | None:
        return getattr(self._last, "retry_after", None)
