"""First Atlantic Commerce (PowerTranz): card payments on FAC's hosted page (SPI + HPP).

The sale answers SP4 with a SpiToken and RedirectData (HTML the payment page renders in an
iframe); the payer's browser returns HP0 to MerchantResponseUrl; the payment is then
completed server-to-server within five minutes. PowerTranz has no status inquiry.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from core.payments.gateways.base import (
    Checkout,
    CheckoutRequest,
    Gateway,
    GatewayError,
    GatewayEvent,
    GatewayMisconfigured,
    Inbound,
    InvalidNotification,
    RefundResult,
)
from core.payments.gateways.fac import client, webhooks
from core.payments.money import NUMERIC, MoneyError, to_major

PREPROCESSED = "SP4"


class FacGateway(Gateway):
    """First Atlantic Commerce on PowerTranz (hosted payment page, 3-D Secure)."""

    name: ClassVar[str] = "fac"
    label: ClassVar[str] = "First Atlantic Commerce"
    currencies: ClassVar[frozenset[str]] = frozenset({"TTD", "USD"})
    methods: ClassVar[tuple[str, ...]] = ("card",)
    supports_refund: ClassVar[bool] = True
    supports_partial_refund: ClassVar[bool] = True
    supports_query: ClassVar[bool] = False
    secret_names: ClassVar[tuple[str, ...]] = ("powertranz_id", "powertranz_password")

    @property
    def root(self) -> str:
        """The PowerTranz API root requests go to."""
        if self.credentials.base_url:
            return self.credentials.base_url.rstrip("/")
        return client.PRODUCTION if self.credentials.production else client.STAGING

    def _auth(self) -> dict[str, str]:
        return {
            "powertranz_id": self.credentials.get("powertranz_id"),
            "password": self.credentials.get("powertranz_password"),
        }

    @staticmethod
    def _amount(amount_minor: int, currency: str) -> tuple[str, str]:
        if currency not in NUMERIC:
            raise GatewayError(f"PowerTranz cannot collect {currency}.", code="currency")
        try:
            return to_major(amount_minor, currency, places=2), NUMERIC[currency]
        except MoneyError as exc:
            raise GatewayError(str(exc), code="amount") from exc

    @classmethod
    def peek_reference(cls, inbound: Inbound) -> str:
        return webhooks.peek_order_id(inbound.form)

    def create(self, request: CheckoutRequest) -> Checkout:
        if request.currency not in self.currencies:
            raise GatewayError(f"FAC cannot collect {request.currency}.", code="currency")
        if request.method not in self.methods:
            raise GatewayError(f"FAC has no method {request.method!r}.", code="method")
        page_set = self.credentials.values.get("page_set", "")
        page_name = self.credentials.values.get("page_name", "")
        if not page_set or not page_name:
            raise GatewayMisconfigured("The fac credentials have no page_set or page_name.")
        amount, currency_code = self._amount(request.amount_minor, request.currency)
        txn = str(uuid.uuid4())
        payload = {
            "TransactionIdentifier": txn,
            "CurrencyCode": currency_code,
            "ThreeDSecure": True,
            "OrderIdentifier": request.reference,
            "AddressMatch": False,
            "ExtendedData": {
                "ThreeDSecure": {"ChallengeWindowSize": 4, "ChallengeIndicator": "01"},
                "MerchantResponseUrl": request.return_url,
                "HostedPage": {"PageSet": page_set, "PageName": page_name},
            },
        }
        data = client.sale(self.root, client.json_with_amount(payload, amount), **self._auth())
        iso = str(data.get("IsoResponseCode") or "")
        token, html = data.get("SpiToken"), data.get("RedirectData")
        if iso != PREPROCESSED:
            raise GatewayError(f"PowerTranz: {data.get('ResponseMessage') or iso}", code=iso)
        if not isinstance(token, str) or not token or not isinstance(html, str):
            raise GatewayError("PowerTranz SP4 without SpiToken or RedirectData.", code=iso)
        return Checkout(gateway_txn_id=txn, extra={"spi_token": token, "redirect_html": html})

    def parse_return(self, inbound: Inbound) -> GatewayEvent | None:
        """Complete the payment the hosted page collected, and say how it ended.

        Only the completion answer from PowerTranz is trusted; the browser's post only
        supplies the SpiToken (forging one gets a refusal from PowerTranz, not a payment).
        """
        posted = webhooks.posted_response(inbound.form)
        if posted.get("IsoResponseCode") != webhooks.HOSTED_PAGE_DONE:
            return webhooks.hosted_page_failure(posted)
        token = posted.get("SpiToken")
        if not isinstance(token, str) or not token:
            raise InvalidNotification("An HP0 post without a SpiToken.")
        return webhooks.completion_event(client.complete(self.root, token))

    def refund(
        self,
        *,
        reference: str,
        gateway_txn_id: str,
        amount_minor: int,
        currency: str,
        reason: str,
        refund_key: str,
    ) -> RefundResult:
        amount, currency_code = self._amount(amount_minor, currency)
        payload = {
            "Refund": True,
            "TransactionIdentifier": gateway_txn_id,
            "CurrencyCode": currency_code,
            "ExternalIdentifier": refund_key,
        }
        data = client.refund(self.root, client.json_with_amount(payload, amount), **self._auth())
        iso = str(data.get("IsoResponseCode") or "")
        if data.get("Approved") is not True:
            raise GatewayError(f"PowerTranz: {data.get('ResponseMessage') or iso}", code=iso)
        returned = str(data.get("TransactionIdentifier") or "")
        # PowerTranz may echo the sale's identifier, which would name every refund alike.
        refund_id = returned if returned and returned != gateway_txn_id else refund_key
        return RefundResult(refund_id=refund_id, status="succeeded", payload=webhooks.plain(data))
