"""Email over the configured mailer (SMTP in production): a text and an HTML part."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid

from core.notifications.models import Channel
from core.notifications.transports.base import (
    NothingToDeliver,
    Outbound,
    PermanentDeliveryError,
    TransientDeliveryError,
)


class EmailTransport:
    channel: str = Channel.EMAIL

    def send(self, message: Outbound) -> str:
        if not message.user.email:
            raise NothingToDeliver("no email address")
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None
        message_id = make_msgid(domain=domain)
        email = EmailMultiAlternatives(
            subject=message.title,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.user.email],
            headers={"Message-ID": message_id, "Content-Language": message.language},
        )
        email.attach_alternative(message.html, "text/html")
        for attachment in message.attachments:
            email.attach(attachment.filename, attachment.content, attachment.mimetype)
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentDeliveryError(f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            error = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            if 500 <= exc.smtp_code < 600:
                raise PermanentDeliveryError(error, provider_code=str(exc.smtp_code)) from exc
            raise TransientDeliveryError(error, provider_code=str(exc.smtp_code)) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc
        return message_id
