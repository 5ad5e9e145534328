"""One transport per external channel; `transport_for(channel)` returns its sender."""

from __future__ import annotations

from core.notifications.models import Channel
from core.notifications.transports.base import Transport


def transport_for(channel: str) -> Transport:
    if channel == Channel.EMAIL:
        from core.notifications.transports.email import EmailTransport

        return EmailTransport()
    if channel == Channel.SMS:
        from core.notifications.transports.sms import SmsTransport

        return SmsTransport()
    if channel == Channel.PUSH:
        from core.notifications.transports.webpush import WebPushTransport

        return WebPushTransport()
    raise ValueError(f"No transport for channel {channel!r}.")
