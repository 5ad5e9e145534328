"""The HTTP layer every vendor client shares: timeouts and how failures map to GatewayError.

Vendor clients (``<vendor>/client.py``) build their requests and read their answers; this
module sends them and says what an HTTP failure means: unreachable, 429 and 5xx are worth
retrying, 401 / 403 are credentials an operator must fix, any other 4xx is final.
"""

from __future__ import annotations

from typing import Any

import requests

from core.payments.gateways.base import GatewayError, GatewayMisconfigured

TIMEOUT = (5, 20)  # seconds: connect, read


def send(vendor: str, method: str, url: str, **kwargs: Any) -> requests.Response:
    """Send one request with the shared timeouts; an unreachable vendor is a retryable error."""
    try:
        return requests.request(method, url, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise GatewayError(
            f"{vendor} unreachable: {type(exc).__name__}", retry=True, code="network"
        ) from exc


def refusal(message: str, *, status: int, code: str = "") -> GatewayError:
    """The error for a refused call: misconfigured (401/403), retryable (429/5xx) or final."""
    code = code or str(status)
    if status in (401, 403):
        return GatewayMisconfigured(message, code=code)
    if status == 429 or status >= 500:
        return GatewayError(message, retry=True, code=code)
    return GatewayError(message, code=code)
