"""SMS: Twilio's Programmable Messaging REST API (2010-04-01), or files under SMS_FILE_PATH.

`SMS_BACKEND` picks the backend: "twilio" in production, "file" in the embedded mode (one
file per message, like Django's file-based email backend). Twilio reports the fate of each
message to `STATUS_CALLBACK_PATH` (see `sms_webhooks`), which `delivery_status_from_twilio`
applies to the Delivery.

Retry safety: a read time-out after Twilio accepted the message is retried like any network
error, so in that rare case the person may get the SMS twice; losing it would be worse.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import requests
import structlog
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from core.notifications.models import Channel, Delivery, DeliveryStatus
from core.notifications.transports.base import (
    NothingToDeliver,
    Outbound,
    PermanentDeliveryError,
    TransientDeliveryError,
)

logger = structlog.get_logger(__name__)

STATUS_CALLBACK_PATH = "/notifications/sms/status/"
MAX_BODY = 1600  # Twilio refuses longer bodies (error 21617)
TIMEOUT = (5, 10)  # seconds: connect, read
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_FORMATTING = re.compile(r"[\s\-().]")
AUTH_CODES = frozenset({20003})
RATE_CODES = frozenset({20429})


def sms_body(message: Outbound) -> str:
    """The text, then the link on its own line; the text is shortened so both fit 1600."""
    suffix = f"\n{message.link}" if message.link else ""
    text = message.text.strip()
    room = MAX_BODY - len(suffix)
    if len(text) > room:
        text = text[: room - 1].rstrip() + "…"
    return text + suffix


def e164_of(phone: str) -> str:
    """The number without spacing; refuse (permanently) anything not in E.164 form.

    Country codes are never guessed: a local number would reach the wrong person.
    """
    number = _FORMATTING.sub("", phone)
    if not E164.match(number):
        raise PermanentDeliveryError(
            "phone number is not in international format", provider_code="invalid_phone"
        )
    return number


class TwilioBackend:
    """POST /2010-04-01/Accounts/{sid}/Messages.json with HTTP Basic auth."""

    def __init__(self) -> None:
        self.account_sid: str = settings.TWILIO_ACCOUNT_SID
        self.auth_token: str = settings.TWILIO_AUTH_TOKEN
        self.sender: str = settings.TWILIO_FROM
        self.api_base: str = settings.TWILIO_API_BASE.rstrip("/")
        if not (self.account_sid and self.auth_token and self.sender):
            raise ImproperlyConfigured(
                "SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM."
            )

    def deliver(self, *, to: str, body: str, delivery_id: int) -> str:
        url = f"{self.api_base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        form = {
            "To": to,
            "Body": body,
            "StatusCallback": settings.PUBLIC_BASE_URL.rstrip("/") + STATUS_CALLBACK_PATH,
        }
        form["MessagingServiceSid" if self.sender.startswith("MG") else "From"] = self.sender
        try:
            response = requests.post(
                url, data=form, auth=(self.account_sid, self.auth_token), timeout=TIMEOUT
            )
        except requests.RequestException as exc:
            logger.warning("sms_network_error", delivery_id=delivery_id, error=repr(exc))
            raise TransientDeliveryError(
                f"Twilio unreachable: {type(exc).__name__}", provider_code="network"
            ) from exc
        return _sid_or_raise(response, delivery_id=delivery_id)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _sid_or_raise(response: requests.Response, *, delivery_id: int) -> str:
    data = _json(response)
    if response.status_code == 201 and isinstance(data.get("sid"), str) and data["sid"]:
        logger.info("sms_accepted", delivery_id=delivery_id, sid=data["sid"])
        return str(data["sid"])
    code = str(data.get("code") or "")
    detail = str(data.get("message") or response.reason or "")
    message = f"Twilio {response.status_code} {code}: {detail}".replace("  ", " ")
    status = response.status_code
    if status == 201:
        # Accepted but unreadable: sending again could duplicate the SMS, so do not retry.
        logger.error("sms_unexpected_answer", delivery_id=delivery_id, body=response.text[:200])
        raise PermanentDeliveryError("Twilio accepted the message without a sid")
    numeric = int(code) if code.isdigit() else 0
    if status == 429 or status >= 500 or numeric in RATE_CODES:
        logger.warning("sms_transient", delivery_id=delivery_id, status=status, code=code)
        raise TransientDeliveryError(message, provider_code=code or str(status))
    if status == 401 or numeric in AUTH_CODES:
        logger.error("sms_credentials_refused", delivery_id=delivery_id, code=code)
    else:
        logger.info("sms_refused", delivery_id=delivery_id, status=status, code=code)
    raise PermanentDeliveryError(message, provider_code=code or str(status))


class FileBackend:
    """One text file per message under SMS_FILE_PATH; the id is ``file-<uuid>``."""

    def __init__(self) -> None:
        self.directory = Path(settings.SMS_FILE_PATH)

    def deliver(self, *, to: str, body: str, delivery_id: int) -> str:
        message_id = uuid.uuid4().hex
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        path = self.directory / f"{stamp}-{message_id}.sms"
        path.write_text(
            f"To: {to}\nDelivery: {delivery_id}\nDate: {timezone.now().isoformat()}\n\n{body}\n",
            encoding="utf-8",
        )
        return f"file-{message_id}"


BACKENDS: dict[str, type[TwilioBackend] | type[FileBackend]] = {
    "twilio": TwilioBackend,
    "file": FileBackend,
}


def _backend() -> TwilioBackend | FileBackend:
    backend = BACKENDS.get(settings.SMS_BACKEND)
    if backend is None:
        raise ImproperlyConfigured(f"Unknown SMS_BACKEND {settings.SMS_BACKEND!r}.")
    return backend()


class SmsTransport:
    """The SMS channel: the user's phone (E.164), the text and the link."""

    channel = Channel.SMS.value

    def send(self, message: Outbound) -> str:
        phone = (message.user.phone or "").strip()
        if not phone:
            raise NothingToDeliver("the user has no phone number")
        to = e164_of(phone)
        try:
            backend = _backend()
        except ImproperlyConfigured as exc:
            logger.error("sms_not_configured", delivery_id=message.delivery_id, error=str(exc))
            raise PermanentDeliveryError(str(exc), provider_code="sms_not_configured") from exc
        return backend.deliver(to=to, body=sms_body(message), delivery_id=message.delivery_id)


# Twilio MessageStatus values that end a message's journey.
DELIVERED_STATUSES = frozenset({"delivered"})
FAILED_STATUSES = frozenset({"undelivered", "failed"})


def delivery_status_from_twilio(
    *, provider_id: str, message_status: str, error_code: str = ""
) -> int:
    """Apply one Twilio status callback to the SMS Delivery with that sid; rows changed.

    delivered → "delivered"; undelivered / failed → "failed" with the code in last_error.
    Intermediate statuses (queued, sent…) change nothing, and callbacks arriving out of order
    never move a delivered message back: each update is one conditional UPDATE.
    """
    now = timezone.now()
    rows = Delivery.objects.filter(provider_id=provider_id, channel=Channel.SMS)
    if message_status in DELIVERED_STATUSES:
        return rows.exclude(status=DeliveryStatus.DELIVERED).update(
            status=DeliveryStatus.DELIVERED, delivered_at=now, updated_at=now
        )
    if message_status in FAILED_STATUSES:
        error = f"twilio {message_status}: error {error_code or 'unknown'}"
        return rows.exclude(status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.FAILED]).update(
            status=DeliveryStatus.FAILED, last_error=error, updated_at=now
        )
    return 0
