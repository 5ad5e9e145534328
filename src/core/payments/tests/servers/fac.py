"""A local PowerTranz API (First Atlantic Commerce) for the FAC adapter's tests.

Paths sit under ``/api`` like the real root. It checks what PowerTranz checks:

- ``POST /api/spi/sale`` and ``/api/refund``: the ``PowerTranz-PowerTranzId`` and
  ``PowerTranz-PowerTranzPassword`` headers (else 401), a JSON body, ``TransactionIdentifier``
  a GUID never used before, ``TotalAmount`` a JSON number above zero with at most 2 decimals,
  ``CurrencyCode`` an ISO 4217 numeric string, ``OrderIdentifier``, ``ThreeDSecure`` a
  boolean, an https ``MerchantResponseUrl`` and a hosted page that exists (``PageSet`` with
  the portal's "PTZ/" prefix). A sale answers ``IsoResponseCode`` "SP4" with ``SpiToken`` and
  ``RedirectData``.
- ``POST /api/spi/payment`` (no auth headers): the quoted SpiToken of a hosted page that was
  completed, at most 5 minutes after the sale, and only once. Card 4111111111111111 approves
  ("00"), 4111111111113333 declines ("05"), like WiPay's FAC test cards.

Refusals answer HTTP 200 with ``Approved`` false and an ISO 8583 ``IsoResponseCode``: "30"
(format error) for a malformed field, "94" (duplicate transmission) for a reused
TransactionIdentifier, "12" (invalid transaction) for an unknown, expired or used SpiToken
or an unknown original, "13" (invalid amount) for a refund above what is left. PowerTranz
publishes no list for these refusals; the codes are the ISO 8583 ones closest in meaning.

`hosted_page_submit()` plays the payer on the hosted page and returns the form the browser
posts to MerchantResponseUrl: ``Response`` = the HP0 JSON.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.notifications.tests.servers import LocalServer, QuietHandler

POWERTRANZ_ID = "88803142"
POWERTRANZ_PASSWORD = "pt-Password-0123456789"
PAGE_SET, PAGE_NAME = "PTZ/RoadSidePlus", "CardPayment"
TOKEN_LIFETIME = 300  # seconds
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
CURRENCY_CODES = {"780", "840", "360", "978"}
DECLINED_CARDS = {"4111111111113333": "05", "5111111111113333": "05", "5555666666662222": "05"}


@dataclass
class Sale:
    identifier: str
    order: str
    amount: Decimal
    currency_code: str
    spi_token: str
    issued_at: float
    response_url: str
    state: str = "preprocessed"  # → collected → approved / declined
    card: str = ""
    refunded: Decimal = Decimal(0)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


def number(value: Decimal) -> float:
    """An amount for an answer: PowerTranz answers JSON numbers."""
    return float(value)


class PowerTranzHandler(QuietHandler):
    def do_POST(self) -> None:
        body = self.body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.owner.log(Received(self.path, headers, body))
        if self.owner.outage:
            self.answer(self.owner.outage, b"")
            return
        routes = {
            "/api/spi/sale": (True, self.owner.sale),
            "/api/spi/payment": (False, self.owner.payment),
            "/api/refund": (True, self.owner.refund),
        }
        if self.path not in routes:
            self.answer(404, b"")
            return
        needs_auth, action = routes[self.path]
        if needs_auth and (
            headers.get("powertranz-powertranzid") != self.owner.powertranz_id
            or headers.get("powertranz-powertranzpassword") != self.owner.password
        ):
            self.answer(401, b"")
            return
        if headers.get("content-type", "").split(";")[0].strip() != "application/json":
            self.answer(415, b"")
            return
        try:
            data = json.loads(body, parse_float=Decimal)
        except ValueError:
            self.answer(
                400, json.dumps({"Errors": [{"Code": "400", "Message": "Bad JSON"}]}).encode()
            )
            return
        answer = action(data)
        self.answer(200, json.dumps(answer).encode(), {"Content-Type": "application/json"})


def refusal(code: str, message: str, data: Any = None) -> dict[str, Any]:
    echo = data if isinstance(data, dict) else {}
    return {
        "Approved": False,
        "TransactionIdentifier": echo.get("TransactionIdentifier", ""),
        "OrderIdentifier": echo.get("OrderIdentifier", ""),
        "IsoResponseCode": code,
        "ResponseMessage": message,
    }


def amount_error(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return "TotalAmount must be a number"
    if value <= 0:
        return "TotalAmount must be greater than zero"
    if Decimal(value).as_tuple().exponent < -2:  # type: ignore[operator]
        return "TotalAmount has more than 2 decimals"
    return ""


class FakePowerTranz(LocalServer):
    """The server; ``origin + "/api"`` goes into Credentials.base_url."""

    handler = PowerTranzHandler

    def __init__(
        self,
        *,
        powertranz_id: str = POWERTRANZ_ID,
        password: str = POWERTRANZ_PASSWORD,
        pages: frozenset[tuple[str, str]] = frozenset({(PAGE_SET, PAGE_NAME)}),
    ) -> None:
        super().__init__()
        # A short poll keeps shutdown (once per test) quick.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.powertranz_id = powertranz_id
        self.password = password
        self.pages = pages
        self.sales: dict[str, Sale] = {}
        self.tokens: dict[str, str] = {}
        self.received: list[Received] = []
        self.completions = 0
        self.outage = 0  # when set, every request answers this status
        self.skew = 0.0
        self._lock = threading.Lock()

    @property
    def api_root(self) -> str:
        return self.origin + "/api"

    def now(self) -> float:
        return time.monotonic() + self.skew

    def advance(self, seconds: float) -> None:
        self.skew += seconds

    def log(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)

    def sale(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            return refusal("30", "The request must be a JSON object")
        txn = data.get("TransactionIdentifier")
        if not isinstance(txn, str) or not GUID.fullmatch(txn):
            return refusal("30", "TransactionIdentifier must be a GUID", data)
        problem = amount_error(data.get("TotalAmount"))
        if problem:
            return refusal("30", problem, data)
        currency = data.get("CurrencyCode")
        if not isinstance(currency, str) or currency not in CURRENCY_CODES:
            return refusal("30", "CurrencyCode must be an ISO 4217 numeric code", data)
        order = data.get("OrderIdentifier")
        if not isinstance(order, str) or not order:
            return refusal("30", "OrderIdentifier is required", data)
        if not isinstance(data.get("ThreeDSecure"), bool):
            return refusal("30", "ThreeDSecure must be a boolean", data)
        extended = data.get("ExtendedData") or {}
        url = extended.get("MerchantResponseUrl")
        if not isinstance(url, str) or not url.startswith("https://"):
            return refusal("30", "MerchantResponseUrl must be an https URL", data)
        page = extended.get("HostedPage") or {}
        if (page.get("PageSet"), page.get("PageName")) not in self.pages:
            return refusal("30", "Hosted page not found", data)
        with self._lock:
            if txn in self.sales:
                return refusal("94", "Duplicate TransactionIdentifier", data)
            token = secrets.token_urlsafe(40)
            sale = Sale(txn, order, Decimal(data["TotalAmount"]), currency, token, self.now(), url)
            self.sales[txn] = sale
            self.tokens[token] = txn
        return {
            "TransactionType": 2,
            "Approved": False,
            "TransactionIdentifier": txn,
            "TotalAmount": number(sale.amount),
            "CurrencyCode": currency,
            "IsoResponseCode": "SP4",
            "ResponseMessage": "SPI Preprocessing complete",
            "OrderIdentifier": order,
            "RedirectData": (
                "<!DOCTYPE html><html><head></head><body>"
                f'<form method="post" action="{self.origin}/hpp/{token}"></form>'
                "</body></html>"
            ),
            "SpiToken": token,
        }

    def hosted_page_submit(self, spi_token: str, card: str = "4111111111111111") -> dict[str, str]:
        """The payer enters `card`; the form their browser posts to MerchantResponseUrl."""
        sale = self.sales[self.tokens[spi_token]]
        sale.state, sale.card = "collected", card
        response = {
            "TransactionType": 2,
            "Approved": False,
            "TransactionIdentifier": sale.identifier,
            "TotalAmount": number(sale.amount),
            "CurrencyCode": sale.currency_code,
            "IsoResponseCode": "HP0",
            "ResponseMessage": "HPP preprocessing complete",
            "OrderIdentifier": sale.order,
            "SpiToken": spi_token,
            "BillingAddress": {"FirstName": "Asha", "LastName": "Ramdial", "CountryCode": "780"},
        }
        return {"Response": json.dumps(response)}

    def payment(self, data: Any) -> dict[str, Any]:
        with self._lock:
            txn = self.tokens.get(data) if isinstance(data, str) else None
            sale = self.sales.get(txn) if txn else None
            if sale is None:
                return refusal("12", "SpiToken not found")
            echo = {"TransactionIdentifier": sale.identifier, "OrderIdentifier": sale.order}
            if self.now() - sale.issued_at > TOKEN_LIFETIME:
                return refusal("12", "SpiToken expired", echo)
            if sale.state != "collected":
                return refusal("12", "SpiToken not usable", echo)
            self.completions += 1
            declined = DECLINED_CARDS.get(sale.card)
            sale.state = "declined" if declined else "approved"
        answer: dict[str, Any] = {
            "TransactionType": 2,
            "Approved": not declined,
            "TransactionIdentifier": sale.identifier,
            "TotalAmount": number(sale.amount),
            "CurrencyCode": sale.currency_code,
            "CardBrand": "Visa" if sale.card.startswith("4") else "MasterCard",
            "IsoResponseCode": declined or "00",
            "ResponseMessage": "Do not honor" if declined else "Transaction is approved",
            "OrderIdentifier": sale.order,
        }
        if not declined:
            answer |= {"AuthorizationCode": "123456", "RRN": "633012345678", "PanToken": "tk-1"}
        return answer

    def refund(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict) or data.get("Refund") is not True:
            return refusal("30", "Refund must be true", data)
        problem = amount_error(data.get("TotalAmount"))
        if problem:
            return refusal("30", problem, data)
        with self._lock:
            sale = self.sales.get(str(data.get("TransactionIdentifier")))
            if sale is None or sale.state != "approved":
                return refusal("12", "Original transaction not found", data)
            key = str(data.get("ExternalIdentifier") or "")
            if key and key in sale.refunds:
                return sale.refunds[key]
            if data.get("CurrencyCode") != sale.currency_code:
                return refusal("30", "CurrencyCode does not match the original", data)
            amount = Decimal(data["TotalAmount"])
            if amount > sale.amount - sale.refunded:
                return refusal("13", "Invalid amount", data)
            sale.refunded += amount
            answer = {
                "TransactionType": 5,
                "Approved": True,
                "TransactionIdentifier": sale.identifier,
                "ExternalIdentifier": key,
                "TotalAmount": number(amount),
                "CurrencyCode": sale.currency_code,
                "RRN": f"63301234{len(sale.refunds) + 1:04d}",
                "IsoResponseCode": "00",
                "ResponseMessage": "Approved",
                "OrderIdentifier": sale.order,
            }
            if key:
                sale.refunds[key] = answer
        return answer
