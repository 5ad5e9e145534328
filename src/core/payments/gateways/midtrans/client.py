"""HTTP calls to Midtrans: the Core API (/v2/...) and Snap, with the server key as Basic auth.

Midtrans reports business errors in the body's ``status_code`` even on HTTP 200, so an answer
fails when the HTTP status or the body's status_code is 400 or more, except 407 (an expired
transaction, which is a status, not an error). 401 means the server key was refused; 429 and
5xx are worth retrying; every other refusal is final and carries Midtrans's code.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from core.payments.gateways.base import GatewayError
from core.payments.gateways.http import refusal, send

SANDBOX_CORE = "https://api.sandbox.midtrans.com"
SANDBOX_SNAP = "https://app.sandbox.midtrans.com/snap/v1"
PRODUCTION_CORE = "https://api.midtrans.com"
PRODUCTION_SNAP = "https://app.midtrans.com/snap/v1"
EXPIRED = 407


class MidtransClient:
    """One merchant's server key against the sandbox, production or another root."""

    def __init__(self, server_key: str, *, production: bool, base_url: str = "") -> None:
        self._auth = (server_key, "")
        root = base_url.rstrip("/")
        if root:
            self.core_url, self.snap_url = root, root + "/snap/v1"
        elif production:
            self.core_url, self.snap_url = PRODUCTION_CORE, PRODUCTION_SNAP
        else:
            self.core_url, self.snap_url = SANDBOX_CORE, SANDBOX_SNAP

    def snap_transaction(self, body: dict[str, Any], *, notify_url: str = "") -> dict[str, Any]:
        """POST {snap}/transactions: a hosted payment page; the answer has token, redirect_url."""
        return self._call("POST", f"{self.snap_url}/transactions", body, notify_url)

    def charge(self, body: dict[str, Any], *, notify_url: str = "") -> dict[str, Any]:
        """POST /v2/charge: QRIS, bank transfer or Mandiri bill, chosen by payment_type."""
        return self._call("POST", f"{self.core_url}/v2/charge", body, notify_url)

    def status(self, transaction: str) -> dict[str, Any]:
        """GET /v2/{order_id or transaction_id}/status."""
        return self._call("GET", self._transaction_url(transaction, "status"))

    def refund(self, transaction: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST /v2/{id}/refund with refund_key, amount and reason."""
        return self._call("POST", self._transaction_url(transaction, "refund"), body)

    def cancel(self, transaction: str) -> dict[str, Any]:
        """POST /v2/{id}/cancel: void a transaction that is not paid yet."""
        return self._call("POST", self._transaction_url(transaction, "cancel"), {})

    def _transaction_url(self, transaction: str, action: str) -> str:
        return f"{self.core_url}/v2/{quote(transaction, safe='')}/{action}"

    def _call(
        self, method: str, url: str, body: dict[str, Any] | None = None, notify_url: str = ""
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if notify_url:
            headers["X-Override-Notification"] = notify_url
        response = send("Midtrans", method, url, json=body, headers=headers, auth=self._auth)
        return _checked(response)


def _checked(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    data = data if isinstance(data, dict) else None
    http = response.status_code
    body_code = str(data.get("status_code", "")) if data else ""
    numeric = int(body_code) if body_code.isdigit() else 0
    if http < 400 and (numeric < 400 or numeric == EXPIRED):
        if data is None:
            raise GatewayError(f"Midtrans answered HTTP {http} without a JSON object.")
        return data
    code = numeric if numeric >= 400 else http
    message = f"Midtrans {code}: {_detail(data) or response.reason or 'error'}"
    # Midtrans puts business errors in the body of an HTTP 200: the worse of the two decides.
    raise refusal(message, status=max(http, code) if code != 401 else 401, code=str(code))


def _detail(data: dict[str, Any] | None) -> str:
    if not data:
        return ""
    parts = [str(data.get("status_message") or "")]
    for key in ("validation_messages", "error_messages"):
        messages = data.get(key)
        if isinstance(messages, list):
            parts.extend(str(message) for message in messages)
    return "; ".join(part for part in parts if part)
