"""WiPay (Trinidad and Tobago): a hosted card page, and a hashed result on the payer's return.

WiPay API v1.0.8 has no refund, status or server-to-server notification API: refunds are
made in the WiPay dashboard, and a payment is known only from the verified return.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from core.payments.gateways.base import (
    Checkout,
    CheckoutRequest,
    Gateway,
    GatewayError,
    GatewayEvent,
    Inbound,
)
from core.payments.gateways.wipay import client, webhooks
from core.payments.money import MoneyError, to_major


class WiPayGateway(Gateway):
    """WiPay Payments API v1.0.8 (credit and debit cards on WiPay's hosted page)."""

    name: ClassVar[str] = "wipay"
    label: ClassVar[str] = "WiPay"
    currencies: ClassVar[frozenset[str]] = frozenset({"TTD", "USD"})
    methods: ClassVar[tuple[str, ...]] = ("credit_card",)
    supports_refund: ClassVar[bool] = False
    supports_query: ClassVar[bool] = False
    secret_names: ClassVar[tuple[str, ...]] = ("account_number", "api_key")

    @property
    def root(self) -> str:
        """The WiPay host requests go to."""
        return self.credentials.base_url or client.ROOT

    def _option(self, name: str, default: str) -> str:
        return self.credentials.values.get(name) or default

    @classmethod
    def peek_reference(cls, inbound: Inbound) -> str:
        return inbound.query.get("order_id", "")

    def create(self, request: CheckoutRequest) -> Checkout:
        if request.currency not in self.currencies:
            raise GatewayError(f"WiPay cannot collect {request.currency}.", code="currency")
        if request.method not in self.methods:
            raise GatewayError(f"WiPay has no method {request.method!r}.", code="method")
        try:
            total = to_major(request.amount_minor, request.currency, places=2)
        except MoneyError as exc:
            raise GatewayError(str(exc), code="amount") from exc
        form = {
            "account_number": self.credentials.get("account_number"),
            "country_code": self._option("country_code", "TT"),
            "currency": request.currency,
            "environment": "live" if self.credentials.production else "sandbox",
            "fee_structure": self._option("fee_structure", "merchant_absorb"),
            "method": "credit_card",
            "order_id": request.reference,
            "origin": self._option("origin", "RoadSidePlus"),
            "response_url": request.return_url,
            "total": total,
        }
        for field, value in (
            ("email", request.payer_email),
            ("name", request.payer_name),
            ("phone", request.payer_phone),
        ):
            if value:
                form[field] = value
        data = client.request_payment(self.root, form)
        return Checkout(
            gateway_txn_id=str(data.get("transaction_id") or ""),
            redirect_url=str(data["url"]),
            # The result hash is over the total as sent, so the services keep it.
            extra={"total": total},
        )

    def parse_return(self, inbound: Inbound) -> GatewayEvent | None:
        """Verify the payer's return to response_url (a GET with the result in the query).

        The hash covers the total exactly as it was sent, which only the database knows:
        the services put the stored ``Checkout.extra["total"]`` into
        ``inbound.form["original_total"]`` before calling this.
        """
        return self.verify_result(inbound.query, inbound.form.get("original_total", ""))

    def verify_result(self, query: Mapping[str, str], original_total: str) -> GatewayEvent:
        """Verify a result query against the total we sent. Raises InvalidNotification."""
        # Failures carry no hash, so they need no key.
        api_key = self.credentials.get("api_key") if query.get("status") == "success" else ""
        return webhooks.verify_result(query, original_total, api_key)
