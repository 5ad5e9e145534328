"""The one interface every gateway adapter implements, and the values that cross it.

An adapter speaks one vendor's protocol and nothing else: it never touches the database.
The payments services create the Payment row, call the adapter, and apply what it reports
(`GatewayEvent`) under a row lock. Each vendor lives in `gateways/<vendor>/`:

- ``client.py``   HTTP calls to the vendor and the signatures they need;
- ``webhooks.py`` verification and parsing of what the vendor sends us;
- ``adapter.py``  the `Gateway` subclass tying both to this interface.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar


class EventStatus:
    """What a gateway says about a payment, mapped from its own vocabulary."""

    PENDING = "pending"
    SETTLED = "settled"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    # Paid but held for review (Midtrans capture + challenge): no credit, not final.
    REVIEW = "review"
    # Midtrans deny after settlement (a Mandiri bill reversal), chargebacks.
    REVERSED = "reversed"

    ALL = frozenset(
        {
            PENDING,
            SETTLED,
            FAILED,
            EXPIRED,
            CANCELLED,
            REFUNDED,
            PARTIALLY_REFUNDED,
            REVIEW,
            REVERSED,
        }
    )


@dataclass(frozen=True)
class Credentials:
    """One account at one gateway. `values` holds the vendor's named secrets."""

    gateway: str
    production: bool
    values: Mapping[str, str]
    base_url: str = ""  # empty: the vendor's sandbox or production address

    def get(self, name: str) -> str:
        value = self.values.get(name, "")
        if not value:
            raise GatewayMisconfigured(f"The {self.gateway} credentials have no {name}.")
        return value


@dataclass(frozen=True)
class CheckoutRequest:
    """What the services ask a gateway to collect."""

    reference: str  # our order id / invoice number: [A-Z0-9-], at most 30 characters
    amount_minor: int  # the total the payer pays, fee included
    currency: str  # "IDR", "TTD"
    method: str  # one of the adapter's `methods`
    description: str
    return_url: str  # absolute: where the payer's browser comes back to
    notify_url: str  # absolute: our webhook for this gateway
    expires_minutes: int = 60
    payer_name: str = ""
    payer_email: str = ""
    payer_phone: str = ""
    language: str = "id"


@dataclass(frozen=True)
class Checkout:
    """What the payer needs to pay, as the gateway answered."""

    gateway_txn_id: str = ""
    redirect_url: str = ""  # a hosted page (Snap, DOKU Checkout, WiPay, FAC)
    qr_string: str = ""  # QRIS payload to render as a QR code
    va_number: str = ""  # virtual account number
    va_bank: str = ""
    instructions: Mapping[str, str] = field(default_factory=dict)  # e.g. biller_code, bill_key
    expires_at: datetime | None = None
    status: str = EventStatus.PENDING
    extra: Mapping[str, Any] = field(default_factory=dict)  # kept on the payment (e.g. token)

    def as_dict(self) -> dict[str, Any]:
        return {
            "redirect_url": self.redirect_url,
            "qr_string": self.qr_string,
            "va_number": self.va_number,
            "va_bank": self.va_bank,
            "instructions": dict(self.instructions),
            "expires_at": self.expires_at.isoformat() if self.expires_at else "",
            **dict(self.extra),
        }


@dataclass(frozen=True)
class Inbound:
    """An HTTP request from a gateway or a returning browser, exactly as received."""

    method: str
    path: str  # the path only, e.g. /payments/webhooks/doku/
    headers: Mapping[str, str]  # keys lower-cased
    body: bytes = b""
    query: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass(frozen=True)
class GatewayEvent:
    """One verified statement from a gateway about one payment."""

    reference: str  # our order id
    status: str  # an EventStatus value
    gateway_status: str  # the vendor's own words, e.g. "capture/challenge", "SUCCESS"
    dedupe_id: str  # unique per message at this gateway; same message → same id
    amount_minor: int | None = None  # None when the message carries no amount
    currency: str = ""
    gateway_txn_id: str = ""
    refunded_minor: int | None = None  # total refunded so far, when the gateway says
    occurred_at: datetime | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)  # stored with the notification


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    status: str  # "succeeded" or "pending"
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Ack:
    """The HTTP answer a vendor expects once we have safely recorded its message."""

    status: int = 200
    body: bytes = b"OK"
    content_type: str = "text/plain"


class GatewayError(Exception):
    """The vendor refused or could not be reached. `retry` says whether trying later helps."""

    def __init__(self, message: str, *, retry: bool = False, code: str = "") -> None:
        super().__init__(message)
        self.retry = retry
        self.code = code


class GatewayMisconfigured(GatewayError):
    """Missing or rejected credentials: an operator must fix the settings."""


class InvalidNotification(Exception):
    """A message whose signature, hash or client id does not verify. Nothing is changed."""


class Unsupported(GatewayError):
    """The vendor's protocol has no such operation (e.g. WiPay has no refund API)."""


class Gateway:
    """Base class of every adapter. Subclasses set the class attributes and the operations."""

    name: ClassVar[str]
    label: ClassVar[str]
    currencies: ClassVar[frozenset[str]]
    methods: ClassVar[tuple[str, ...]]
    supports_refund: ClassVar[bool] = False
    supports_partial_refund: ClassVar[bool] = False
    supports_query: ClassVar[bool] = True
    # The secret names an operator must supply, e.g. ("server_key",).
    secret_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials

    @classmethod
    def peek_reference(cls, inbound: Inbound) -> str:
        """The order id an inbound message claims, before verification.

        Only used to find the payment and so whose credentials verify the message; nothing
        is trusted until `parse_notification` / `parse_return` verified it.
        """
        return ""

    def create(self, request: CheckoutRequest) -> Checkout:
        """Start collecting `request.amount_minor`. Raises GatewayError."""
        raise Unsupported(f"{self.name} cannot create payments.")

    def parse_notification(self, inbound: Inbound) -> list[GatewayEvent]:
        """Verify a server-to-server notification and say what it means.

        Raises InvalidNotification when it does not verify. Most vendors send one event per
        message; the list allows batch notifications.
        """
        raise InvalidNotification(f"{self.name} sends no notifications.")

    def parse_return(self, inbound: Inbound) -> GatewayEvent | None:
        """What the payer's returning browser proves, if anything (WiPay's hash, FAC's token).

        None means the return is informational only (Midtrans, DOKU): wait for the
        notification or an inquiry.
        """
        return None

    def query(self, reference: str, gateway_txn_id: str = "") -> GatewayEvent:
        """Ask the vendor for the payment's status now."""
        raise Unsupported(f"{self.name} has no status inquiry.")

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
        """Return money to the payer; `refund_key` makes the request idempotent at the vendor."""
        raise Unsupported(f"{self.name} has no refund API.")

    def ack(self, accepted: bool) -> Ack:
        """The answer to a notification: accepted means recorded (stop retrying)."""
        return Ack(200, b"OK") if accepted else Ack(401, b"invalid signature")


def constant_time_equal(a: str, b: str) -> bool:
    """Compare two signatures without leaking where they differ."""
    return hmac.compare_digest(a.encode(), b.encode())
