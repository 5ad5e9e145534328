"""WiPay results: the payer's browser comes back to response_url with the outcome in the query.

Only ``status=success`` carries a ``hash``: lower-case hex md5(transaction_id +
original_total + API key), concatenated without separators, where original_total is the
``total`` string exactly as we sent it ("120.00"), not the returned fee-inclusive total.
A redirect is forgeable and replayable, so nothing but the hash is trusted, and the
transaction id (``[SB-]<1-99>-<payee id>-<order_id>-<YYYYMMDDhhmmss>``) must name the order.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from core.payments.gateways.base import (
    EventStatus,
    GatewayEvent,
    InvalidNotification,
    constant_time_equal,
)
from core.payments.money import MoneyError, to_minor

STATUS = {
    "success": EventStatus.SETTLED,
    "failed": EventStatus.FAILED,
    "error": EventStatus.FAILED,
}
CURRENCIES = frozenset({"TTD", "USD"})


def result_hash(transaction_id: str, original_total: str, api_key: str) -> str:
    """The hash WiPay puts on a successful result."""
    text = f"{transaction_id}{original_total}{api_key}"
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - WiPay's protocol mandates md5


def names_order(transaction_id: str, order_id: str) -> bool:
    """Whether a WiPay transaction id was issued for `order_id`."""
    pattern = rf"(SB-)?\d{{1,2}}-\d+-{re.escape(order_id)}-\d{{14}}"
    return re.fullmatch(pattern, transaction_id) is not None


def verify_result(query: Mapping[str, str], original_total: str, api_key: str) -> GatewayEvent:
    """Verify and read one result query. Raises InvalidNotification."""
    status = query.get("status", "")
    if status not in STATUS:
        raise InvalidNotification(f"Unknown WiPay status {status!r}.")
    order_id = query.get("order_id", "")
    txn = query.get("transaction_id", "")
    if not order_id or not txn:
        raise InvalidNotification("order_id or transaction_id missing.")
    currency = query.get("currency", "")
    message = query.get("message", "")
    amount = None
    if status == "success":
        given = query.get("hash", "")
        if not given or not original_total:
            raise InvalidNotification("A WiPay success needs a hash and the original total.")
        expected = result_hash(txn, original_total, api_key)
        if not constant_time_equal(given.lower(), expected):
            raise InvalidNotification("hash does not match.")
        if not names_order(txn, order_id):
            raise InvalidNotification("transaction_id was not issued for this order_id.")
        if currency not in CURRENCIES:
            raise InvalidNotification(f"Unexpected WiPay currency {currency!r}.")
        try:
            # The amount we asked for: the returned total may include the payer's fee.
            amount = to_minor(original_total, currency)
        except MoneyError as exc:
            raise InvalidNotification(str(exc)) from exc
    return GatewayEvent(
        reference=order_id,
        status=STATUS[status],
        gateway_status=f"{status} {message[:60]}".strip(),
        dedupe_id=f"wipay:{txn}:{status}",
        amount_minor=amount,
        currency=currency,
        gateway_txn_id=txn,
        payload={**dict(query), "original_total": original_total},
    )
