"""First Atlantic Commerce on PowerTranz: JSON over HTTPS POST, the SPI hosted page flow.

Sale and refund carry the merchant's ``PowerTranz-PowerTranzId`` and
``PowerTranz-PowerTranzPassword`` headers; the payment completion (``/spi/payment``) carries
none, its body being only the quoted SpiToken. Every answer has ``IsoResponseCode`` and
``ResponseMessage``; what they mean is the adapter's business.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import requests

from core.payments.gateways.base import GatewayError
from core.payments.gateways.http import refusal, send

STAGING = "https://staging.ptranz.com/api"
# The production host must be confirmed with FAC when the merchant account is opened.
PRODUCTION = "https://gateway.ptranz.com/api"
_AMOUNT = "\x00TotalAmount\x00"


def json_with_amount(payload: Mapping[str, Any], amount: str) -> str:
    """`payload` as JSON with TotalAmount the exact decimal number `amount` (120.00), no float."""
    text = json.dumps({**payload, "TotalAmount": _AMOUNT})
    return text.replace(json.dumps(_AMOUNT), amount)


def _auth(powertranz_id: str, password: str) -> dict[str, str]:
    return {"PowerTranz-PowerTranzId": powertranz_id, "PowerTranz-PowerTranzPassword": password}


def sale(root: str, body: str, *, powertranz_id: str, password: str) -> dict[str, Any]:
    """POST /spi/sale: start a sale on the hosted page. Raises GatewayError."""
    return _post(f"{root}/spi/sale", body, _auth(powertranz_id, password))


def complete(root: str, spi_token: str) -> dict[str, Any]:
    """POST /spi/payment: complete the payment the hosted page collected. Raises GatewayError."""
    return _post(f"{root}/spi/payment", json.dumps(spi_token), {})


def refund(root: str, body: str, *, powertranz_id: str, password: str) -> dict[str, Any]:
    """POST /refund: return part or all of a completed sale. Raises GatewayError."""
    return _post(f"{root}/refund", body, _auth(powertranz_id, password))


def _post(url: str, body: str, headers: dict[str, str]) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}
    return _answer(send("PowerTranz", "POST", url, data=body.encode(), headers=headers))


def _answer(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json(parse_float=Decimal)
    except ValueError:
        data = None
    data = data if isinstance(data, dict) else {}
    status = response.status_code
    if 200 <= status < 300:
        if not data:
            raise GatewayError(f"PowerTranz {status} without a JSON answer.", code="bad_response")
        return data
    errors = data.get("Errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    code = str(data.get("IsoResponseCode") or first.get("Code") or status)
    detail = data.get("ResponseMessage") or first.get("Message") or response.reason or "error"
    message = f"PowerTranz {status}: {detail}"
    raise refusal(message, status=status, code=code)
