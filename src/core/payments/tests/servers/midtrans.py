"""A local Midtrans (Snap and Core API v2) for the Midtrans adapter's tests.

It checks what Midtrans checks: HTTP Basic auth with the server key and an empty password,
``Accept: application/json``, ``Content-Type: application/json`` with a JSON object on POST,
the method and path, the required fields, ``gross_amount`` a whole number of rupiah above 0,
and that an order_id is used once. Answers use Midtrans's shapes: Snap 201 ``{token,
redirect_url}`` or ``{error_messages}``; Core ``{status_code, status_message, ...}`` with the
HTTP status equal to the body's status_code (a test can also make it answer an error on HTTP 200,
as Midtrans sometimes does).

Core status codes used (https://docs.midtrans.com/reference/code-4xx):

====  =================================================================
401   server key refused
403   Accept header is not JSON
404   unknown transaction ("Transaction doesn't exist.") or path
405   method not allowed on the path
406   order_id already used
412   refund or cancel not allowed in the transaction's current status
413   body is not a JSON object / not sent as JSON
400   validation error, with validation_messages
====  =================================================================

`book` holds every transaction by order_id so status, refund and cancel answer consistently;
`set_status()` moves one (settle it, expire it...) and `notification()` builds the signed
HTTP notification Midtrans would POST for it, with the signature written here independently.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from core.notifications.tests.servers import LocalServer, QuietHandler

WIB = ZoneInfo("Asia/Jakarta")
SERVER_KEY = "SB-Mid-server-Lk3xWq9ZtR2vN8pYb4Hd"
CLIENT_KEY = "SB-Mid-client-Pq7Ty2Ui9Op3As6D"
MERCHANT_ID = "G141532850"
CLOCK = datetime(2026, 3, 2, 9, 30, 0, tzinfo=WIB)
BILLER_CODE = "70012"
BANKS = {"bca", "bni", "bri", "permata", "cimb"}
REFUNDABLE = {"qris", "gopay", "shopeepay", "credit_card"}
CORE_PATH = re.compile(r"^/v2/(?P<id>[^/]+)/(?P<action>status|refund|cancel)$")
# status_code that Midtrans gives each transaction_status in status answers and notifications.
STATUS_CODE = {
    "pending": "201",
    "authorize": "200",
    "capture": "200",
    "settlement": "200",
    "deny": "202",
    "cancel": "200",
    "expire": "407",
    "failure": "202",
    "refund": "200",
    "partial_refund": "200",
    "chargeback": "200",
    "partial_chargeback": "200",
}
STATUS_MESSAGE = {
    "qris": "QRIS transaction is created",
    "bank_transfer": "Success, Bank Transfer transaction is created",
    "echannel": "OK, Mandiri Bill transaction is successful",
}


def signed(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """signature_key as Midtrans documents it, written apart from the code under test."""
    return hashlib.sha512((order_id + status_code + gross_amount + server_key).encode()).hexdigest()


def stamp(moment: datetime) -> str:
    return moment.astimezone(WIB).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Transaction:
    order_id: str
    gross_amount: int
    payment_type: str  # "" for a Snap order whose payer has not chosen a method yet
    transaction_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    transaction_status: str = "pending"
    fraud_status: str = "accept"
    transaction_time: str = ""
    settlement_time: str = ""
    expiry_time: str = ""
    method_fields: dict[str, Any] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    notify_url: str = ""

    @property
    def refunded(self) -> int:
        return sum(int(refund["refund_amount"].split(".")[0]) for refund in self.refunds)

    def answer(self) -> dict[str, Any]:
        """The transaction as the status API and the notification show it."""
        status_code = STATUS_CODE[self.transaction_status]
        data: dict[str, Any] = {
            "status_code": status_code,
            "status_message": "Success, transaction is found",
            "transaction_id": self.transaction_id,
            "order_id": self.order_id,
            "merchant_id": MERCHANT_ID,
            "gross_amount": f"{self.gross_amount}.00",
            "currency": "IDR",
            "payment_type": self.payment_type,
            "transaction_time": self.transaction_time,
            "transaction_status": self.transaction_status,
            "fraud_status": self.fraud_status,
            **self.method_fields,
        }
        if self.expiry_time:
            data["expiry_time"] = self.expiry_time
        if self.settlement_time:
            data["settlement_time"] = self.settlement_time
        if self.refunds:
            data["refund_amount"] = f"{self.refunded}.00"
            data["refunds"] = list(self.refunds)
        return data


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: Any  # the parsed JSON, or None


def core_error(status: int, message: str, validation: list[str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "status_code": str(status),
        "status_message": message,
        "id": str(uuid.uuid4()),
    }
    if validation:
        data["validation_messages"] = validation
    return data


class MidtransHandler(QuietHandler):
    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        raw = self.body()
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, payload = self.owner.handle(method, self.path, headers, raw)
        self.answer(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})


class FakeMidtrans(LocalServer):
    """The server; `origin` goes into Credentials.base_url (Snap lives under /snap/v1)."""

    handler = MidtransHandler

    def __init__(self, *, server_key: str = SERVER_KEY, clock: datetime = CLOCK) -> None:
        super().__init__()
        self.server_key = server_key
        self.clock = clock
        self.received: list[Received] = []
        self.book: dict[str, Transaction] = {}
        self.send_expiry_time = True
        # Fields merged into the next successful Core answer: a vendor answering oddly.
        self.tamper: dict[str, Any] = {}
        self._failures: list[tuple[int, dict[str, Any]]] = []
        self._refund_ids = 0
        self._lock = threading.Lock()

    # ---- test controls -------------------------------------------------------------------

    def fail_next(self, status_code: int, message: str, *, http_status: int | None = None) -> None:
        """Answer the next request with this Midtrans error (HTTP status defaults to the same)."""
        body = core_error(status_code, message)
        self._failures.append((status_code if http_status is None else http_status, body))

    def set_status(
        self,
        order_id: str,
        transaction_status: str,
        *,
        fraud_status: str = "accept",
        payment_type: str = "",
    ) -> Transaction:
        """Move a transaction as the payer or bank would (a Snap order also gets its method)."""
        txn = self.book[order_id]
        txn.transaction_status, txn.fraud_status = transaction_status, fraud_status
        if payment_type:
            txn.payment_type = payment_type
        if transaction_status in ("settlement", "capture"):
            txn.settlement_time = stamp(self.clock + timedelta(minutes=5))
        return txn

    def notification(self, order_id: str, *, server_key: str = "") -> bytes:
        """The HTTP notification body Midtrans sends for the transaction's current state."""
        data = self.book[order_id].answer()
        data["status_message"] = "midtrans payment notification"
        data["signature_key"] = signed(
            data["order_id"],
            data["status_code"],
            data["gross_amount"],
            server_key or self.server_key,
        )
        return json.dumps(data).encode()

    # ---- protocol --------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any]]:
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            self.received.append(Received(method, path, headers, body))
            snap = path.startswith("/snap/")
            if self._failures:
                return self._failures.pop(0)
            route = self._route(method, path)
            if isinstance(route, tuple):
                return route
            if not self._authorised(headers.get("authorization", "")):
                if snap:
                    return 401, {
                        "error_messages": [
                            "Access denied due to unauthorized transaction, "
                            "please check client or server key",
                            "Visit https://snap-docs.midtrans.com/#request-headers "
                            "for more details",
                        ]
                    }
                return 401, core_error(
                    401,
                    "Access denied due to unauthorized transaction, "
                    "please check client or server key",
                )
            if headers.get("accept", "").split(";")[0].strip() != "application/json":
                return 403, core_error(
                    403,
                    "The requested resource is only capable of generating content not "
                    "acceptable according to the accepting headers that sent in the request",
                )
            if method == "POST":
                content_type = headers.get("content-type", "").split(";")[0].strip()
                if content_type != "application/json" or not isinstance(body, dict):
                    if snap:
                        return 400, {"error_messages": ["Request body is not valid JSON"]}
                    return 413, core_error(
                        413,
                        "The request cannot be processed due to malformed syntax in the "
                        "request body",
                    )
            status, data = route(body or {}, headers)
            if status < 300 and self.tamper and not snap:
                data |= self.tamper
                self.tamper = {}
            return status, data

    def _route(self, method: str, path: str) -> Any:
        not_found = 404, core_error(404, "The requested resource is not found")
        if path == "/snap/v1/transactions":
            return (
                self._snap
                if method == "POST"
                else (405, core_error(405, "HTTP method is not allowed"))
            )
        if path == "/v2/charge":
            return (
                self._charge
                if method == "POST"
                else (405, core_error(405, "HTTP method is not allowed"))
            )
        match = CORE_PATH.match(path)
        if match is None:
            return not_found
        expected = "GET" if match["action"] == "status" else "POST"
        if method != expected:
            return 405, core_error(405, "HTTP method is not allowed")
        transaction = self._find(match["id"])
        action = getattr(self, f"_{match['action']}")

        def bound(body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
            if transaction is None:
                return 404, core_error(404, "Transaction doesn't exist.")
            result: tuple[int, dict[str, Any]] = action(transaction, body)
            return result

        return bound

    def _authorised(self, header: str) -> bool:
        if not header.startswith("Basic "):
            return False
        try:
            user, sep, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return bool(sep) and user == self.server_key and password == ""

    def _find(self, key: str) -> Transaction | None:
        key = unquote(key)
        txn = self.book.get(key)
        if txn is None:
            txn = next((t for t in self.book.values() if t.transaction_id == key), None)
        if txn is None or not txn.payment_type:
            return None  # a Snap order is unknown to the Core API until a method is chosen
        return txn

    def _details(self, body: dict[str, Any]) -> tuple[str, int, list[str]]:
        details = body.get("transaction_details")
        errors: list[str] = []
        if not isinstance(details, dict):
            return "", 0, ["transaction_details is required"]
        order_id, gross = details.get("order_id"), details.get("gross_amount")
        if not isinstance(order_id, str) or not order_id:
            errors.append("transaction_details.order_id is required")
        elif len(order_id) > 50:
            errors.append("transaction_details.order_id too long")
        if isinstance(gross, bool) or not isinstance(gross, int):
            errors.append("transaction_details.gross_amount must be an integer")
        elif gross <= 0:
            errors.append("transaction_details.gross_amount must be greater than or equal to 1")
        if errors:
            return "", 0, errors
        return str(order_id), int(gross), []

    def _snap(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        order_id, gross, errors = self._details(body)
        items = body.get("item_details")
        if not errors and items is not None:
            total = sum(int(i.get("price", 0)) * int(i.get("quantity", 0)) for i in items)
            if total != gross:
                errors.append(
                    "transaction_details.gross_amount is not equal to the sum of item_details"
                )
        expiry = body.get("expiry")
        if isinstance(expiry, dict) and (
            expiry.get("unit") not in ("minute", "minutes", "hour", "hours", "day", "days")
            or not isinstance(expiry.get("duration"), int)
        ):
            errors.append("expiry.unit or expiry.duration is invalid")
        if errors:
            return 400, {"error_messages": errors}
        if order_id in self.book:
            return 400, {"error_messages": ["transaction_details.order_id has already been taken"]}
        self.book[order_id] = Transaction(
            order_id=order_id,
            gross_amount=gross,
            payment_type="",
            transaction_time=stamp(self.clock),
            notify_url=headers.get("x-override-notification", ""),
        )
        token = str(uuid.uuid4())
        return 201, {
            "token": token,
            "redirect_url": f"https://app.sandbox.midtrans.com/snap/v2/vtweb/{token}",
        }

    def _charge(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        order_id, gross, errors = self._details(body)
        payment_type = body.get("payment_type")
        fields: dict[str, Any] = {}
        if payment_type == "qris":
            acquirer = (body.get("qris") or {}).get("acquirer", "gopay")
            if acquirer not in ("gopay", "airpay shopee"):
                errors.append("qris.acquirer is invalid")
            fields = {"acquirer": acquirer}
        elif payment_type == "bank_transfer":
            bank = (body.get("bank_transfer") or {}).get("bank")
            if bank not in BANKS:
                errors.append("bank_transfer.bank is invalid")
        elif payment_type == "echannel":
            bill = body.get("echannel") or {}
            info1, info2 = bill.get("bill_info1"), bill.get("bill_info2")
            if not (isinstance(info1, str) and info1 and len(info1) <= 10):
                errors.append("echannel.bill_info1 is required, at most 10 characters")
            if not (isinstance(info2, str) and info2 and len(info2) <= 30):
                errors.append("echannel.bill_info2 is required, at most 30 characters")
        else:
            errors.append("payment_type is invalid")
        expiry = body.get("custom_expiry")
        minutes = 24 * 60 if payment_type != "qris" else 15
        if expiry is not None:
            expiry = expiry if isinstance(expiry, dict) else {}
            duration = expiry.get("expiry_duration")
            valid = isinstance(duration, int) and not isinstance(duration, bool) and duration > 0
            if expiry.get("unit") != "minute" or not valid:
                errors.append("custom_expiry is invalid")
            else:
                minutes = int(duration)
        if errors:
            return 400, core_error(400, "One or more parameters in the payload is invalid.", errors)
        if order_id in self.book:
            return 406, core_error(
                406, "The request could not be processed because the order_id has been used"
            )
        txn = Transaction(
            order_id=order_id,
            gross_amount=gross,
            payment_type=str(payment_type),
            transaction_time=stamp(self.clock),
            expiry_time=stamp(self.clock + timedelta(minutes=minutes)),
            notify_url=headers.get("x-override-notification", ""),
        )
        number = str(int(txn.transaction_id.replace("-", "")[:12], 16) % 10**11).zfill(11)
        if payment_type == "qris":
            fields["qr_string"] = (
                f"00020101021226620014COM.GO-JEK.WWW0118936009140000{number}5204{gross}"
            )
            fields["actions"] = [
                {
                    "name": "generate-qr-code",
                    "method": "GET",
                    "url": f"https://api.sandbox.midtrans.com/v2/qris/{txn.transaction_id}/qr-code",
                }
            ]
        elif payment_type == "bank_transfer":
            bank = body["bank_transfer"]["bank"]
            va = "8" + number + "1"
            if bank == "permata":
                fields["permata_va_number"] = va
            else:
                fields["va_numbers"] = [{"bank": bank, "va_number": va}]
        else:
            fields |= {"bill_key": number, "biller_code": BILLER_CODE}
        txn.method_fields = fields
        self.book[order_id] = txn
        data = txn.answer()
        data["status_message"] = STATUS_MESSAGE[str(payment_type)]
        if not self.send_expiry_time:
            data.pop("expiry_time", None)
        return 201, data

    def _status(self, txn: Transaction, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, txn.answer()

    def _cancel(self, txn: Transaction, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if txn.transaction_status not in ("pending", "authorize", "capture"):
            return 412, core_error(412, "Merchant cannot modify the status of the transaction")
        txn.transaction_status = "cancel"
        data = txn.answer()
        data["status_message"] = "Success, transaction is canceled"
        return 200, data

    def _refund(self, txn: Transaction, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        key = body.get("refund_key") or str(uuid.uuid4())
        for done in txn.refunds:
            if done["refund_key"] == key:  # a retry of the same refund: the same answer
                return 200, self._refund_answer(txn, done)
        if txn.payment_type not in REFUNDABLE or txn.transaction_status not in (
            "settlement",
            "partial_refund",
        ):
            return 412, core_error(412, "Merchant cannot modify the status of the transaction")
        remaining = txn.gross_amount - txn.refunded
        amount = body.get("amount", remaining)
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= remaining:
            return 400, core_error(
                400,
                "One or more parameters in the payload is invalid.",
                [f"amount must be an integer between 1 and {remaining}"],
            )
        self._refund_ids += 1
        refund = {
            "refund_chargeback_id": self._refund_ids,
            "refund_amount": f"{amount}.00",
            "created_at": stamp(self.clock + timedelta(hours=1)),
            "reason": str(body.get("reason", "")),
            "refund_key": key,
        }
        txn.refunds.append(refund)
        txn.transaction_status = "refund" if txn.refunded == txn.gross_amount else "partial_refund"
        return 200, self._refund_answer(txn, refund)

    def _refund_answer(self, txn: Transaction, refund: dict[str, Any]) -> dict[str, Any]:
        return {
            "status_code": "200",
            "status_message": "Success, refund request is approved",
            "transaction_id": txn.transaction_id,
            "order_id": txn.order_id,
            "gross_amount": f"{txn.gross_amount}.00",
            "currency": "IDR",
            "payment_type": txn.payment_type,
            "transaction_time": txn.transaction_time,
            "transaction_status": txn.transaction_status,
            "refund_chargeback_id": refund["refund_chargeback_id"],
            "refund_amount": refund["refund_amount"],
            "refund_key": refund["refund_key"],
        }
