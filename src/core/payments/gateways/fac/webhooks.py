"""What comes back from the PowerTranz hosted page, and what the completion answer means.

The payer's browser POSTs a form to MerchantResponseUrl whose ``Response`` field holds the
hosted page's JSON. ``IsoResponseCode`` "HP0" means only that the card details were
collected; nothing in that post is trusted. The adapter then completes the payment
server-to-server, and that answer decides: ``Approved`` true with "00" is a settled sale,
anything else a failure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from core.payments.gateways.base import (
    EventStatus,
    GatewayError,
    GatewayEvent,
    InvalidNotification,
)
from core.payments.money import NUMERIC, MoneyError, to_minor

HOSTED_PAGE_DONE = "HP0"
APPROVED = "00"
ALPHA = {numeric: alpha for alpha, numeric in NUMERIC.items()}


def posted_response(form: Mapping[str, str]) -> dict[str, Any]:
    """The hosted page's JSON from the posted form. Raises InvalidNotification."""
    raw = form.get("Response", "")
    if not raw:
        raise InvalidNotification("The post has no Response field.")
    try:
        data = json.loads(raw, parse_float=Decimal)
    except ValueError as exc:
        raise InvalidNotification("Response is not JSON.") from exc
    if not isinstance(data, dict):
        raise InvalidNotification("Response is not a JSON object.")
    return data


def peek_order_id(form: Mapping[str, str]) -> str:
    """The OrderIdentifier a post claims, unverified."""
    try:
        data = posted_response(form)
    except InvalidNotification:
        return ""
    return str(data.get("OrderIdentifier") or "")


def plain(data: Mapping[str, Any]) -> dict[str, Any]:
    """An answer with its decimal amounts as strings, fit to store as JSON."""
    return {key: str(value) if isinstance(value, Decimal) else value for key, value in data.items()}


def map_status(approved: object, iso_code: str) -> str:
    """A completion answer's EventStatus."""
    return EventStatus.SETTLED if approved is True and iso_code == APPROVED else EventStatus.FAILED


def _event(data: Mapping[str, Any], status: str, amount: int | None, currency: str) -> GatewayEvent:
    txn = str(data.get("TransactionIdentifier") or "")
    iso = str(data.get("IsoResponseCode") or "")
    return GatewayEvent(
        reference=str(data.get("OrderIdentifier") or ""),
        status=status,
        gateway_status=f"{iso} {data.get('ResponseMessage') or ''}".strip()[:80],
        dedupe_id=f"fac:{txn}:{status}",
        amount_minor=amount,
        currency=currency,
        gateway_txn_id=txn,
        payload=plain(data),
    )


def hosted_page_failure(data: Mapping[str, Any]) -> GatewayEvent:
    """A hosted page post other than HP0: nothing was charged."""
    if not data.get("TransactionIdentifier"):
        raise InvalidNotification("TransactionIdentifier missing.")
    return _event(data, EventStatus.FAILED, None, "")


def completion_event(data: Mapping[str, Any]) -> GatewayEvent:
    """The event a /spi/payment answer (trusted: it came from PowerTranz) stands for."""
    if not data.get("OrderIdentifier") or not data.get("TransactionIdentifier"):
        if data.get("Approved") is True:
            raise GatewayError("An approval that names no order.", code="bad_response")
        # PowerTranz knows no sale for this SpiToken: the post was not genuine.
        raise InvalidNotification(
            f"PowerTranz refused the SpiToken: {data.get('IsoResponseCode')} "
            f"{data.get('ResponseMessage')}"
        )
    status = map_status(data.get("Approved"), str(data.get("IsoResponseCode") or ""))
    if status != EventStatus.SETTLED:
        return _event(data, status, None, "")
    currency = ALPHA.get(str(data.get("CurrencyCode") or ""), "")
    if not currency:
        raise GatewayError(
            f"Unknown CurrencyCode {data.get('CurrencyCode')!r}.", code="bad_response"
        )
    amount = data.get("TotalAmount")
    if isinstance(amount, bool) or not isinstance(amount, int | Decimal):
        raise GatewayError("The completion answer has no TotalAmount.", code="bad_response")
    try:
        minor = to_minor(amount, currency)
    except MoneyError as exc:
        raise GatewayError(str(exc), code="bad_response") from exc
    return _event(data, status, minor, currency)
