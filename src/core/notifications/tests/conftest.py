"""A real SMTP server (aiosmtpd) on a free port, and settings that send mail to it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.test import override_settings

from core.ops.tests.conftest import closed_port


@dataclass
class SmtpHandler:
    """Stores every accepted message; `replies` makes the next DATA commands fail."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)  # e.g. "451 4.3.0 try later"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.replies:
            return self.replies.pop(0)
        self.envelopes.append(envelope)
        raw = envelope.original_content or b""
        self.messages.append(message_from_bytes(raw, policy=policy.default))  # type: ignore[arg-type]
        return "250 2.0.0 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[SmtpHandler]:
    handler = SmtpHandler()
    port = closed_port()  # aiosmtpd cannot bind port 0: take a free one
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    try:
        with override_settings(MAILERS=mailers):
            yield handler
    finally:
        controller.stop()
