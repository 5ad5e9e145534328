"""A local DOKU Checkout (Non-SNAP): signed requests in, signed answers and notifications out.

It checks what DOKU checks: Client-Id, Request-Id (present, at most 128 characters, never
reused), Request-Timestamp (ISO-8601 UTC with "Z", no milliseconds), the HMAC-SHA256 Signature
over the component lines (with the Digest of the exact body bytes on POST, without it on GET),
the JSON content type, order.amount (an integer of at most 12 digits), order.invoice_number
(at most 64 characters) and payment.payment_due_date. The signature is recomputed here from
DOKU's documented recipe, independently of the adapter's own code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.notifications.tests.servers import LocalServer, QuietHandler

WIB = ZoneInfo("Asia/Jakarta")
CHECKOUT_PATH = "/checkout/v1/payment"
STATUS_PREFIX = "/orders/v1/status/"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
METHOD_TYPES = frozenset(
    {
        "VIRTUAL_ACCOUNT_BCA",
        "VIRTUAL_ACCOUNT_BANK_MANDIRI",
        "VIRTUAL_ACCOUNT_BANK_SYARIAH_MANDIRI",
        "VIRTUAL_ACCOUNT_DOKU",
        "VIRTUAL_ACCOUNT_BRI",
        "VIRTUAL_ACCOUNT_BNI",
        "VIRTUAL_ACCOUNT_BANK_PERMATA",
        "VIRTUAL_ACCOUNT_BANK_CIMB",
        "VIRTUAL_ACCOUNT_BANK_DANAMON",
        "QRIS",
    }
)


def doku_signature(
    secret_key: str,
    *,
    client_id: str,
    request_id: str,
    stamp: str,
    target: str,
    body: bytes | None,
    stamp_name: str = "Request-Timestamp",
) -> str:
    """DOKU's Non-SNAP signature; `body` None means a GET (no Digest line)."""
    text = (
        f"Client-Id:{client_id}\nRequest-Id:{request_id}\n{stamp_name}:{stamp}\n"
        f"Request-Target:{target}"
    )
    if body is not None:
        text += "\nDigest:" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    mac = hmac.new(secret_key.encode(), text.encode(), hashlib.sha256).digest()
    return "HMACSHA256=" + base64.b64encode(mac).decode()


def error_body(code: str, message: str, kind: str = "invalid_request_error") -> bytes:
    """DOKU's Non-SNAP error answer."""
    return json.dumps({"error": {"code": code, "message": message, "type": kind}}).encode()


class DokuHandler(QuietHandler):
    """Records each request, then answers it as DOKU would, signing successful answers."""

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def _handle(self, method: str) -> None:
        server: DokuServer = self.owner
        raw = self.body() if method == "POST" else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        with server.lock:
            server.received.append(
                {"method": method, "path": self.path, "headers": headers, "body": raw}
            )
            if server.fail_next:
                status, payload = server.fail_next.pop(0)
                self.answer(status, payload, {"Content-Type": "application/json"})
                return
            status, payload = server.process(method, self.path, headers, raw)
        out = {"Content-Type": "application/json"}
        if 200 <= status < 300 or status == 409:
            stamp = server.stamp()
            out["Client-Id"] = headers.get("client-id", "")
            out["Request-Id"] = headers.get("request-id", "")
            out["Response-Timestamp"] = stamp
            out["Signature"] = doku_signature(
                server.response_secret or server.secret_key,
                client_id=out["Client-Id"],
                request_id=out["Request-Id"],
                stamp=stamp,
                target=self.path,
                body=payload if method == "POST" else None,
                stamp_name="Response-Timestamp",
            )
        self.answer(status, payload, out)


class DokuServer(LocalServer):
    """DOKU's API for one merchant account, with an in-memory book of orders."""

    handler = DokuHandler

    def __init__(self, *, client_id: str, secret_key: str) -> None:
        super().__init__()
        self.client_id = client_id
        self.secret_key = secret_key
        self.lock = threading.Lock()
        self.received: list[dict[str, Any]] = []
        self.fail_next: list[tuple[int, bytes]] = []
        self.response_secret = ""  # set to sign answers with another key
        self.expired_date = ""  # set to answer this payment.expired_date instead
        self.now: datetime | None = None
        self.request_ids: dict[str, tuple[bytes, bytes]] = {}
        self.orders: dict[str, dict[str, Any]] = {}

    def clock(self) -> datetime:
        """The server's time: `now` when a test fixes it."""
        return self.now or datetime.now(UTC)

    def stamp(self) -> str:
        """A Response-Timestamp / Request-Timestamp for the current time."""
        return self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def process(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, bytes]:
        """Route one request; the HTTP status and body to answer."""
        if method == "POST" and path == CHECKOUT_PATH:
            refused = self._check_headers(method, path, headers, raw)
            return refused or self._create(headers, raw)
        if method == "GET" and path.startswith(STATUS_PREFIX):
            refused = self._check_headers(method, path, headers, raw)
            return refused or self._status(path.removeprefix(STATUS_PREFIX))
        return 404, error_body("not_found", "Not found", "invalid_request_error")

    def _check_headers(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, bytes] | None:
        client_id = headers.get("client-id", "")
        request_id = headers.get("request-id", "")
        stamp = headers.get("request-timestamp", "")
        given = headers.get("signature", "")
        if not (client_id and request_id and stamp and given):
            return 400, error_body(
                "invalid_header_request", "Mandatory header missing", "invalid_header_request"
            )
        if client_id != self.client_id:
            return 401, error_body("invalid_client_id", "Invalid Client-Id", "unauthorized")
        if len(request_id) > 128:
            return 400, error_body(
                "invalid_header_request", "Request-Id is too long", "invalid_header_request"
            )
        if not TIMESTAMP.match(stamp):
            return 400, error_body(
                "invalid_header_request", "Invalid Request-Timestamp", "invalid_header_request"
            )
        expected = doku_signature(
            self.secret_key,
            client_id=client_id,
            request_id=request_id,
            stamp=stamp,
            target=path,
            body=raw if method == "POST" else None,
        )
        if not hmac.compare_digest(given, expected):
            return 401, error_body(
                "invalid_signature", "Invalid Header Signature", "invalid_header_request"
            )
        if method == "POST" and not headers.get("content-type", "").startswith("application/json"):
            return 400, error_body("invalid_content_type", "Content-Type must be JSON")
        if request_id in self.request_ids:
            # DOKU's idempotency: the same Request-Id and body get the first answer with 409.
            first_body, first_answer = self.request_ids[request_id]
            if first_body == raw:
                return 409, first_answer
            return 409, error_body("duplicate_request_id", "Request-Id has been used")
        return None

    def _create(self, headers: dict[str, str], raw: bytes) -> tuple[int, bytes]:
        try:
            data = json.loads(raw)
        except ValueError:
            return 400, error_body("invalid_parameter", "Body is not JSON")
        order = data.get("order") if isinstance(data, dict) else None
        payment = data.get("payment") if isinstance(data, dict) else None
        if not isinstance(order, dict) or not isinstance(payment, dict):
            return 400, error_body("invalid_parameter", "order and payment are mandatory")
        amount = order.get("amount")
        if type(amount) is not int or not 0 < amount < 10**12:
            return 400, error_body("invalid_parameter", "order.amount must be a number")
        invoice = order.get("invoice_number")
        if not isinstance(invoice, str) or not 0 < len(invoice) <= 64:
            return 400, error_body("invalid_parameter", "order.invoice_number is invalid")
        due = payment.get("payment_due_date")
        if type(due) is not int or not 0 < due < 10**8:
            return 400, error_body("invalid_parameter", "payment.payment_due_date is invalid")
        types = payment.get("payment_method_types", [])
        if not isinstance(types, list) or not set(types) <= METHOD_TYPES:
            return 400, error_body("invalid_parameter", "payment.payment_method_types is invalid")
        request_id = headers["request-id"]
        token = "tok" + uuid.uuid4().hex[:24]
        created = self.clock()
        expired = (created + timedelta(minutes=due)).astimezone(WIB).strftime("%Y%m%d%H%M%S")
        self.orders[invoice] = {
            "amount": amount,
            "request_id": request_id,
            "status": "PENDING",
            "channel": types[0] if len(types) == 1 else "",
            "date": created,
        }
        answer = json.dumps(
            {
                "message": ["SUCCESS"],
                "response": {
                    "order": {
                        "amount": str(amount),
                        "invoice_number": invoice,
                        "currency": "IDR",
                        "callback_url": order.get("callback_url", ""),
                        "line_items": order.get("line_items", []),
                    },
                    "payment": {
                        "payment_method_types": types,
                        "payment_due_date": due,
                        "token_id": token,
                        "url": f"{self.origin}/checkout/link/{token}",
                        "expired_date": self.expired_date or expired,
                    },
                    "uuid": uuid.uuid4().int % 10**19,
                },
            }
        ).encode()
        self.request_ids[request_id] = (raw, answer)
        return 200, answer

    def _status(self, invoice: str) -> tuple[int, bytes]:
        if invoice not in self.orders:
            return 404, error_body("not_found", "Transaction not found")
        return 200, json.dumps(self.transaction(invoice)).encode()

    def transaction(self, invoice: str) -> dict[str, Any]:
        """The order as DOKU reports it in notifications and status answers."""
        order = self.orders[invoice]
        channel = order["channel"] or "VIRTUAL_ACCOUNT_BCA"
        body: dict[str, Any] = {
            "order": {"invoice_number": invoice, "amount": order["amount"]},
            "transaction": {
                "status": order["status"],
                "date": order["date"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "original_request_id": order["request_id"],
            },
        }
        if channel.startswith("VIRTUAL_ACCOUNT_"):
            bank = channel.removeprefix("VIRTUAL_ACCOUNT_")
            body["service"] = {"id": "VIRTUAL_ACCOUNT"}
            body["acquirer"] = {"id": bank}
            body["channel"] = {"id": channel}
            body["virtual_account_info"] = {"virtual_account_number": "8889940000000213"}
        else:
            body["service"] = {"id": channel}
            body["channel"] = {"id": channel}
        return body

    def settle(self, invoice: str, status: str = "SUCCESS", channel: str = "") -> None:
        """Record that the payer paid (or the order reached another `status`)."""
        with self.lock:
            self.orders[invoice]["status"] = status
            self.orders[invoice]["date"] = self.clock()
            if channel:
                self.orders[invoice]["channel"] = channel

    def notification(
        self,
        path: str,
        *,
        invoice: str = "",
        body: bytes | None = None,
        request_id: str = "",
    ) -> tuple[dict[str, str], bytes]:
        """A signed HTTP notification to our `path`: lower-cased headers and the raw body."""
        raw = body if body is not None else json.dumps(self.transaction(invoice)).encode()
        request_id = request_id or str(uuid.uuid4())
        stamp = self.stamp()
        headers = {
            "client-id": self.client_id,
            "request-id": request_id,
            "request-timestamp": stamp,
            "signature": doku_signature(
                self.secret_key,
                client_id=self.client_id,
                request_id=request_id,
                stamp=stamp,
                target=path,
                body=raw,
            ),
            "content-type": "application/json",
        }
        return headers, raw
