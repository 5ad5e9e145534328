"""A local WiPay Payments API (v1.0.8) for the WiPay adapter's tests.

It checks what WiPay checks on ``POST /plugins/payments/request``: a form-encoded body, every
required field in its documented format (``account_number`` n[10], ``order_id`` ad[1-48]
beginning and ending alphanumeric and never used before, ``origin`` ad[1-32],
``response_url`` at most 255, ``total`` with exactly 2 decimals and at least US$1 or its
TTD equivalent at WiPay's static 6.80), the sandbox account 1234567890 in the sandbox, and a
known account live. ``Accept: application/json`` gets ``{url, message, transaction_id}``;
errors are 4xx with ``{url, message, transaction_id}`` where ``url`` is response_url with
the error in the query. Which 4xx WiPay uses is not documented: validation errors answer
400 and an unknown live account 401.

`pay()` plays the hosted page: it returns the URL the payer's browser is sent to, with the
result query and, for a success, ``hash`` = md5(transaction_id + original total + API key).
Test cards follow WiPay's FAC list (4111111111113333 and friends decline, others approve).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import parse_qs, urlencode

from core.notifications.tests.servers import LocalServer, QuietHandler

REQUEST_PATH = "/plugins/payments/request"
SANDBOX_ACCOUNT = "1234567890"
SANDBOX_API_KEY = "123"
USD_TTD = Decimal("6.80")  # WiPay's static conversion rate
DECLINED_CARDS = {
    "4111111111113333": "05",
    "5111111111113333": "05",
    "4666666666662222": "05",
    "5555666666662222": "05",
    "4111111111119999": "98",
    "4111111111110000": "91",
}
REQUIRED = (
    "account_number",
    "country_code",
    "currency",
    "environment",
    "fee_structure",
    "method",
    "order_id",
    "origin",
    "response_url",
    "total",
)
CURRENCIES = {"TT": {"TTD", "USD"}, "JM": {"JMD", "USD"}, "BB": {"USD"}}
FEE_STRUCTURES = {"customer_pay", "merchant_absorb", "split"}
ORDER_ID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,46}[A-Za-z0-9])?")
ORIGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,30}[A-Za-z0-9])?")
TOTAL = re.compile(r"\d+\.\d{2}")


def md5_hash(transaction_id: str, original_total: str, api_key: str) -> str:
    """The result hash as WiPay documents it, written apart from the code under test."""
    return hashlib.md5((transaction_id + original_total + api_key).encode()).hexdigest()  # noqa: S324


@dataclass
class Order:
    transaction_id: str
    form: dict[str, str]
    api_key: str
    results: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Received:
    path: str
    content_type: str
    accept: str
    form: dict[str, str]


class WiPayHandler(QuietHandler):
    def do_GET(self) -> None:
        self.answer(405, json.dumps({"message": "Method Not Allowed"}).encode())

    def do_POST(self) -> None:
        if self.path != REQUEST_PATH:
            self.answer(404, json.dumps({"message": "Not Found"}).encode())
            return
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip()
        raw = self.body().decode()
        form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        accept = self.headers.get("Accept", "")
        self.owner.log(Received(self.path, content_type, accept, form))
        if self.owner.outage:
            status = self.owner.outage
            self.answer(status, json.dumps({"message": "Service Unavailable"}).encode())
            return
        if content_type != "application/x-www-form-urlencoded":
            status, payload = self.owner.refuse(400, "The body must be form-encoded.", {})
        else:
            status, payload = self.owner.request_payment(form)
        if accept.split(";")[0].strip() == "application/json":
            self.answer(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})
        else:
            # Web-redirect mode: to the hosted page, or back to response_url with the error.
            self.answer(302, b"", {"Location": payload["url"]})


class FakeWiPay(LocalServer):
    """The server; `origin` goes into Credentials.base_url."""

    handler = WiPayHandler

    def __init__(self, *, live_accounts: dict[str, str] | None = None, payee_id: str = "1") -> None:
        super().__init__()
        # A short poll keeps shutdown (once per test) quick.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.api_keys = {SANDBOX_ACCOUNT: SANDBOX_API_KEY, **(live_accounts or {})}
        self.payee_id = payee_id
        self.orders: dict[str, Order] = {}
        self.received: list[Received] = []
        self.outage = 0  # when set, every request answers this status
        self.now = lambda: datetime(2026, 11, 22, 14, 30, 5, tzinfo=UTC)
        self.random = random.Random(7)
        self._lock = threading.Lock()

    def log(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)

    def refuse(self, status: int, message: str, form: dict[str, str]) -> tuple[int, dict[str, str]]:
        query = urlencode(
            {"status": "error", "message": message, "order_id": form.get("order_id", "")}
        )
        url = form.get("response_url", "")
        return status, {
            "url": f"{url}?{query}" if url else "",
            "message": message,
            "transaction_id": "",
        }

    def request_payment(self, form: dict[str, str]) -> tuple[int, dict[str, str]]:
        for name in REQUIRED:
            if not form.get(name):
                return self.refuse(400, f"The {name} field is required.", form)
        account, environment = form["account_number"], form["environment"]
        if not re.fullmatch(r"\d{10}", account):
            return self.refuse(400, "The account number must be 10 digits.", form)
        if environment not in {"live", "sandbox"}:
            return self.refuse(400, "The environment must be live or sandbox.", form)
        if environment == "sandbox" and account != SANDBOX_ACCOUNT:
            return self.refuse(400, "Sandbox requests must use account number 1234567890.", form)
        if environment == "live" and (account == SANDBOX_ACCOUNT or account not in self.api_keys):
            return self.refuse(401, "Unauthorized: this account cannot take live payments.", form)
        country, currency = form["country_code"], form["currency"]
        if currency not in CURRENCIES.get(country, set()):
            return self.refuse(400, f"The currency {currency} is not available in {country}.", form)
        if form["fee_structure"] not in FEE_STRUCTURES:
            return self.refuse(400, "The fee structure is invalid.", form)
        if form["method"] != "credit_card":
            return self.refuse(400, "The method is invalid.", form)
        if not ORDER_ID.fullmatch(form["order_id"]):
            return self.refuse(400, "The order id format is invalid.", form)
        if not ORIGIN.fullmatch(form["origin"]):
            return self.refuse(400, "The origin format is invalid.", form)
        url = form["response_url"]
        if len(url) > 255 or not re.match(r"https?://[^\s/]+", url):
            return self.refuse(400, "The response url is invalid.", form)
        if not TOTAL.fullmatch(form["total"]):
            return self.refuse(400, "The total must be correct to 2 decimal places.", form)
        minimum = (Decimal("1.00") * (USD_TTD if currency == "TTD" else 1)).quantize(
            Decimal("0.01")
        )
        if Decimal(form["total"]) < minimum:
            return self.refuse(400, f"The total must be at least {minimum} {currency}.", form)
        for name, limit in (("email", 50), ("name", 60), ("phone", 20)):
            if len(form.get(name, "")) > limit:
                return self.refuse(400, f"The {name} is too long.", form)
        with self._lock:
            if form["order_id"] in self.orders:
                return self.refuse(400, "The order id has already been used.", form)
            prefix = "SB-" if environment == "sandbox" else ""
            number = self.random.randint(1, 99)
            stamp = self.now().strftime("%Y%m%d%H%M%S")
            txn = f"{prefix}{number}-{self.payee_id}-{form['order_id']}-{stamp}"
            self.orders[form["order_id"]] = Order(txn, dict(form), self.api_keys[account])
        return 200, {"url": self.hosted_page_url(txn), "message": "OK", "transaction_id": txn}

    def hosted_page_url(self, transaction_id: str) -> str:
        return f"{self.origin}/plugins/payments/hosted/{transaction_id}"

    def order_of(self, transaction_id: str) -> Order:
        return next(o for o in self.orders.values() if o.transaction_id == transaction_id)

    def final_total(self, form: dict[str, str]) -> str:
        """The total the payer is debited: TT fees are 3.50 % + US$0.25."""
        total = Decimal(form["total"])
        fixed = Decimal("0.25") * (USD_TTD if form["currency"] == "TTD" else 1)
        fee = total * Decimal("0.035") + fixed
        share = {"customer_pay": 1, "split": Decimal("0.5"), "merchant_absorb": 0}
        final = total + fee * share[form["fee_structure"]]
        return str(final.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))

    def pay(self, transaction_id: str, card: str = "4111111111111111") -> str:
        """The hosted page: the URL the payer's browser is redirected to afterwards."""
        order = self.order_of(transaction_id)
        form = order.form
        declined = DECLINED_CARDS.get(card)
        params = {
            "card": "X" * 12 + card[-4:],
            "currency": form["currency"],
            "date": self.now().strftime("%Y-%m-%d %H:%M:%S"),
            "message": (
                f"[2-R2]: Transaction is declined (original response code {declined})."
                if declined
                else "[1-R1]: Transaction is approved."
            ),
            "order_id": form["order_id"],
            "status": "failed" if declined else "success",
            "total": self.final_total(form),
            "transaction_id": transaction_id,
        }
        if not declined:
            params["hash"] = md5_hash(transaction_id, form["total"], order.api_key)
        for name in ("email", "name", "phone"):
            if form.get(name):
                params[f"customer_{name}"] = form[name]
        url = f"{form['response_url']}?{urlencode(sorted(params.items()))}"
        order.results.append(url)
        return url

    def error(self, transaction_id: str) -> str:
        """The hosted page failing with an error (no hash, nothing charged)."""
        order = self.order_of(transaction_id)
        params = {
            "currency": order.form["currency"],
            "message": "[3-R3]: Transaction could not be processed.",
            "order_id": order.form["order_id"],
            "status": "error",
            "total": order.form["total"],
            "transaction_id": transaction_id,
        }
        return f"{order.form['response_url']}?{urlencode(sorted(params.items()))}"
