"""DOKU Checkout (Non-SNAP) over HTTP: the request signature and the calls the adapter makes.

Every request carries Client-Id, Request-Id (a UUID4), Request-Timestamp (UTC, ISO-8601 with
"Z", no milliseconds) and Signature = "HMACSHA256=" + Base64(HMAC-SHA256(secret key,
component string)). The component string is one "Name:value" line per component, joined by
"\\n" with no trailing newline; a POST adds "Digest:" + Base64(SHA-256(body bytes)). The body
is serialized once and those exact bytes are both hashed and sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from core.payments.gateways.base import GatewayError
from core.payments.gateways.http import refusal, send

SANDBOX_ROOT = "https://api-sandbox.doku.com"
PRODUCTION_ROOT = "https://api.doku.com"
SIGNATURE_PREFIX = "HMACSHA256="


def digest(body: bytes) -> str:
    """Base64(SHA-256(body)), the Digest component of a POST."""
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def timestamp(moment: datetime | None = None) -> str:
    """A Request-Timestamp: UTC, ISO-8601 with "Z" and no milliseconds."""
    return (moment or timezone.now()).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def component_string(
    *,
    client_id: str,
    request_id: str,
    stamp: str,
    target: str,
    body_digest: str = "",
    stamp_name: str = "Request-Timestamp",
) -> str:
    """The lines DOKU signs; `stamp_name` is "Response-Timestamp" for DOKU's answers."""
    lines = [
        f"Client-Id:{client_id}",
        f"Request-Id:{request_id}",
        f"{stamp_name}:{stamp}",
        f"Request-Target:{target}",
    ]
    if body_digest:
        lines.append(f"Digest:{body_digest}")
    return "\n".join(lines)


def sign(components: str, secret_key: str) -> str:
    """The Signature header value for a component string."""
    mac = hmac.new(secret_key.encode(), components.encode(), hashlib.sha256).digest()
    return SIGNATURE_PREFIX + base64.b64encode(mac).decode()


@dataclass(frozen=True)
class Reply:
    """A 2xx answer from DOKU with what is needed to check its signature."""

    method: str
    target: str
    request_id: str
    status: int
    headers: Mapping[str, str]  # keys lower-cased
    body: bytes
    data: dict[str, Any] = field(default_factory=dict)


class DokuClient:
    """Signed JSON calls to one DOKU account."""

    def __init__(self, *, client_id: str, secret_key: str, root: str) -> None:
        self.client_id = client_id
        self.secret_key = secret_key
        self.root = root.rstrip("/")

    def post(self, target: str, payload: Mapping[str, Any], *, request_id: str = "") -> Reply:
        """POST `payload` as JSON to `target` (a path such as /checkout/v1/payment)."""
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        return self._send("POST", target, body, request_id or str(uuid.uuid4()))

    def get(self, target: str, *, request_id: str = "") -> Reply:
        """GET `target`; its signature has no Digest line."""
        return self._send("GET", target, b"", request_id or str(uuid.uuid4()))

    def _send(self, method: str, target: str, body: bytes, request_id: str) -> Reply:
        stamp = timestamp()
        components = component_string(
            client_id=self.client_id,
            request_id=request_id,
            stamp=stamp,
            target=target,
            body_digest=digest(body) if method == "POST" else "",
        )
        headers = {
            "Client-Id": self.client_id,
            "Request-Id": request_id,
            "Request-Timestamp": stamp,
            "Signature": sign(components, self.secret_key),
            "Accept": "application/json",
        }
        if method == "POST":
            headers["Content-Type"] = "application/json"
        response = send("DOKU", method, self.root + target, data=body or None, headers=headers)
        data = _json(response.content)
        status = response.status_code
        if 200 <= status < 300:
            if data is None:
                raise GatewayError(f"DOKU answered {status} without JSON.", code="invalid_response")
            return Reply(
                method=method,
                target=target,
                request_id=request_id,
                status=status,
                headers={name.lower(): value for name, value in response.headers.items()},
                body=response.content,
                data=data,
            )
        raise _error(status, data or {}, response.reason or "")


def _json(content: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(content, parse_float=Decimal)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _error(status: int, data: dict[str, Any], reason: str) -> GatewayError:
    """DOKU's error answer as the GatewayError the services act on."""
    code, detail = str(status), reason
    error = data.get("error")
    if isinstance(error, dict):
        code = str(error.get("code") or code)
        detail = str(error.get("message") or detail)
    elif isinstance(data.get("message"), list) and data["message"]:
        detail = "; ".join(str(item) for item in data["message"])
    message = f"DOKU {status} {code}: {detail}".strip()
    return refusal(message, status=status, code=code)
