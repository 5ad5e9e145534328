"""Device authentication: every request and message is HMAC-signed with the meter's key.

`device_verify` is the one check, used by the HTTP auth class and the MQTT consumer. A
failure of any kind answers 401 `device_auth_failed` with the same message, so a caller
learns nothing about which part was wrong; the reason is logged for operators.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
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


@dataclass(frozen=True)
class SignedRequest:
    """What `device_verify_many` checks for one request or message."""

    key_id: str
    timestamp: str | int
    nonce: str
    signature: str
    method: str
    path: str
    body: bytes


def _stamp(request: SignedRequest, current: float) -> int:
    """The request's timestamp once the time window, nonce form and key id are checked."""
    key_id = request.key_id
    try:
        stamp = int(request.timestamp)
    except (TypeError, ValueError):
        raise _refuse("timestamp not an integer", key_id) from None
    if abs(current - stamp) > protocol.CLOCK_SKEW_SECONDS:
        raise _refuse("timestamp outside the window", key_id)
    if not protocol.nonce_is_well_formed(request.nonce):
        raise _refuse("malformed nonce", key_id)
    if not key_id or len(key_id) > 32:
        raise _refuse("missing key id", key_id)
    return stamp


def _signed_by(request: SignedRequest, stamp: int, meter: Meter | None) -> Meter:
    """The meter, when its current key made the request's signature."""
    key_id = request.key_id
    if meter is None or not meter.device_key:
        raise _refuse("unknown key id or retired meter", key_id)
    try:
        key = protocol.decode_key(meter.device_key)
    except (ValueError, DecryptionError):
        raise _refuse("stored key unreadable", key_id) from None
    expected = protocol.sign(
        key,
        method=request.method,
        path=request.path,
        timestamp=stamp,
        nonce=request.nonce,
        body=request.body,
    )
    if not protocol.signature_matches(expected, request.signature):
        raise _refuse("bad signature", key_id)
    return meter


def _nonce_key(request: SignedRequest) -> str:
    return f"{NONCE_CACHE_PREFIX}:{request.key_id}:{request.nonce}"


def meters_by_key_id(key_ids: Collection[str]) -> dict[str, Meter]:
    """The non-retired meter holding each key id (one query; the lowest id wins a tie).

    A re-enrolled meter gets a new key id and a retired meter is excluded here, so a key id
    that no longer names a live meter's current key finds nothing.
    """
    found: dict[str, Meter] = {}
    meters = (
        Meter.objects.filter(device_key_id__in=[k for k in set(key_ids) if k])
        .exclude(status=MeterStatus.RETIRED)
        .order_by("-pk")
    )
    for meter in meters:
        found[meter.device_key_id] = meter
    return found


def nonces_claim(keys: Sequence[str]) -> list[bool]:
    """Remember each nonce key for NONCE_TTL_SECONDS; True where it was not seen before.

    On Redis one pipelined round trip of SET NX EX (what `cache.add` sends, in order, so a
    key repeated within `keys` is claimed once); other caches use `cache.add` one by one.
    """
    backend = caches["default"]  # `cache` is a proxy; the Redis path needs the real backend
    if not keys:
        return []
    if isinstance(backend, RedisCache):
        names = [backend.make_and_validate_key(key) for key in keys]
        client = backend._cache.get_client(names[0], write=True)
        pipe = client.pipeline(transaction=False)
        for name in names:
            pipe.set(name, 1, nx=True, ex=NONCE_TTL_SECONDS)
        return [bool(done) for done in pipe.execute()]
    return [cache.add(key, 1, timeout=NONCE_TTL_SECONDS) for key in keys]


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
    request = SignedRequest(key_id, timestamp, nonce, signature, method, path, body)
    stamp = _stamp(request, time.time() if now is None else now)
    meter = Meter.objects.filter(device_key_id=key_id).exclude(status=MeterStatus.RETIRED).first()
    meter = _signed_by(request, stamp, meter)
    if not cache.add(_nonce_key(request), 1, timeout=NONCE_TTL_SECONDS):
        raise _refuse("replayed nonce", key_id)
    return meter


def device_verify_many(
    requests: Sequence[SignedRequest], *, now: float | None = None
) -> list[Meter | None]:
    """`device_verify` for a batch: the signing meter of each request, or None when refused.

    The same checks in the same order, with one query for all key ids and one cache round
    trip for all nonces (on Redis); a nonce repeated within the batch is accepted once.
    """
    current = time.time() if now is None else now
    meters = meters_by_key_id([r.key_id for r in requests])
    signed: list[Meter | None] = []
    for request in requests:
        try:
            stamp = _stamp(request, current)
            signed.append(_signed_by(request, stamp, meters.get(request.key_id)))
        except DeviceAuthFailed:
            signed.append(None)
    claimed = iter(
        nonces_claim([_nonce_key(r) for r, m in zip(requests, signed, strict=True) if m])
    )
    answer: list[Meter | None] = []
    for request, meter in zip(requests, signed, strict=True):
        if meter is not None and not next(claimed):
            _refuse("replayed nonce", request.key_id)
            meter = None
        answer.append(meter)
    return answer


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
