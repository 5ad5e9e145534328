"""WiPay Payments API v1.0.8: the payment request that opens a hosted card page.

POST {root}/plugins/payments/request, form-encoded, with ``Accept: application/json`` so WiPay
answers ``{url, message, transaction_id}`` (2xx/3xx) or ``{url, message}`` with the error in
the url's query (4xx/5xx) instead of redirecting a browser. There is no authentication
header: ``account_number`` names the merchant; the API key only signs results (webhooks.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from core.payments.gateways.base import GatewayError
from core.payments.gateways.http import refusal, send

ROOT = "https://tt.wipayfinancial.com"
REQUEST_PATH = "/plugins/payments/request"


def request_payment(root: str, form: Mapping[str, str]) -> dict[str, Any]:
    """Ask WiPay for a hosted payment page; the JSON answer. Raises GatewayError."""
    response = send(
        "WiPay",
        "POST",
        root.rstrip("/") + REQUEST_PATH,
        data=dict(form),
        headers={"Accept": "application/json"},
        # A 3xx is still a JSON answer here; following it would leave the API.
        allow_redirects=False,
    )
    return _answer(response)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _answer(response: requests.Response) -> dict[str, Any]:
    data = _json(response)
    status = response.status_code
    code = str(status)
    if status < 400:
        if isinstance(data.get("url"), str) and data["url"]:
            return data
        raise GatewayError(f"WiPay {status} without a payment page url.", code=code)
    message = f"WiPay {status}: {data.get('message') or response.reason or 'error'}"
    raise refusal(message, status=status, code=code)
