"""A local Twilio Programmable Messaging API (2010-04-01) for the SMS transport's tests.

It checks what Twilio checks: the path ``/2010-04-01/Accounts/{AccountSid}/Messages.json``,
HTTP Basic auth (AccountSid:AuthToken, the same sid as the path), a form-encoded body, ``To``
in E.164, ``From`` or ``MessagingServiceSid``, ``Body`` present and at most 1600 characters.
Success is 201 with a message resource (``sid`` = "SM" + 32 hex, ``status`` "queued"); errors
use Twilio's body ``{code, message, more_info, status}``.

Magic ``To`` numbers (the first four are Twilio's own test numbers):

=================  ======  =====  ==============================================
To                 status  code   meaning
=================  ======  =====  ==============================================
+15005550001       400     21211  invalid 'To' number
+15005550004       400     21610  recipient unsubscribed (replied STOP)
+15005550009       400     21614  not a mobile number
+15005550002       400     21612  cannot route to this number
+15005550429       429     20429  too many requests
+15005550500       500     20500  internal server error
+15005550503       503     20503  service unavailable
=================  ======  =====  ==============================================

`received` records every accepted message; `status_callback()` POSTs a status callback,
signed with X-Twilio-Signature, to the StatusCallback URL the message carried.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs

import requests

from core.notifications.tests.servers import LocalServer, QuietHandler

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
FROM_NUMBER = "+15005550006"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-f]{32})/Messages\.json$")

MAGIC: dict[str, tuple[int, int, str]] = {
    "+15005550001": (400, 21211, "The 'To' number +15005550001 is not a valid phone number."),
    "+15005550004": (400, 21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (400, 21614, "'To' number is not a valid mobile number"),
    "+15005550002": (400, 21612, "The 'To' phone number is not currently reachable via SMS"),
    "+15005550429": (429, 20429, "Too Many Requests"),
    "+15005550500": (500, 20500, "Internal Server Error"),
    "+15005550503": (503, 20503, "Service Unavailable"),
}


def sign(auth_token: str, url: str, form: dict[str, str]) -> str:
    """X-Twilio-Signature as Twilio documents it, written here apart from the code under test."""
    data = url + "".join(key + form[key] for key in sorted(form))
    return base64.b64encode(
        hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    ).decode()


@dataclass(frozen=True)
class ReceivedMessage:
    sid: str
    to: str
    from_: str
    messaging_service_sid: str
    body: str
    status_callback: str


def error_body(status: int, code: int, message: str) -> bytes:
    return json.dumps(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
    ).encode()


class TwilioHandler(QuietHandler):
    def do_POST(self) -> None:
        match = PATH.match(self.path)
        if match is None:
            self.answer(404, error_body(404, 20404, "The requested resource was not found"))
            return
        if not self._authorised(match["sid"]):
            self.answer(401, error_body(401, 20003, "Authenticate"), {"WWW-Authenticate": "Basic"})
            return
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != "application/x-www-form-urlencoded":
            self.answer(415, error_body(415, 20415, "Unsupported Media Type"))
            return
        form = {k: v[0] for k, v in parse_qs(self.body().decode(), keep_blank_values=True).items()}
        status, payload = self.owner.create_message(form)
        self.answer(status, payload, {"Content-Type": "application/json"})

    def _authorised(self, path_sid: str) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return (
            (user, password)
            == (self.owner.account_sid, self.owner.auth_token)
            == (
                path_sid,
                self.owner.auth_token,
            )
        )


class FakeTwilio(LocalServer):
    """The server; `api_base` goes into TWILIO_API_BASE."""

    handler = TwilioHandler

    def __init__(self, *, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.received: list[ReceivedMessage] = []
        self._lock = threading.Lock()

    @property
    def api_base(self) -> str:
        return self.origin

    def create_message(self, form: dict[str, str]) -> tuple[int, bytes]:
        to = form.get("To", "")
        sender, service = form.get("From", ""), form.get("MessagingServiceSid", "")
        body = form.get("Body", "")
        if not to:
            return 400, error_body(400, 21604, "A 'To' phone number is required.")
        if not sender and not service:
            return 400, error_body(400, 21603, "A 'From' phone number is required.")
        if not body:
            return 400, error_body(400, 21602, "Message body is required.")
        if len(body) > 1600:
            return 400, error_body(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        if to in MAGIC:
            return MAGIC[to][0], error_body(*MAGIC[to])
        if not E164.match(to):
            return 400, error_body(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        sid = "SM" + secrets.token_hex(16)
        message = ReceivedMessage(sid, to, sender, service, body, form.get("StatusCallback", ""))
        with self._lock:
            self.received.append(message)
        resource = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": to,
            "from": sender or None,
            "messaging_service_sid": service or None,
            "body": body,
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
        return 201, json.dumps(resource).encode()

    def status_callback(
        self, message: ReceivedMessage, status: str, *, error_code: str = "", signature: str = ""
    ) -> requests.Response:
        """POST Twilio's status callback for `message`; `signature` overrides the real one."""
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "From": message.from_,
            "MessageSid": message.sid,
            "MessageStatus": status,
            "SmsSid": message.sid,
            "SmsStatus": status,
            "To": message.to,
        }
        if error_code:
            form["ErrorCode"] = error_code
        signed = signature or sign(self.auth_token, message.status_callback, form)
        return requests.post(
            message.status_callback,
            data=form,
            headers={"X-Twilio-Signature": signed},
            timeout=10,
        )
