"""What every transport receives and may raise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.accounts.models import User
from core.notifications.events import Attachment


@dataclass(frozen=True)
class Outbound:
    """One notification rendered for one channel, in the recipient's language."""

    delivery_id: int
    event: str
    user: User
    language: str
    title: str  # email subject, push title
    text: str  # plain body: SMS text, push body, email text part
    html: str  # email HTML part ("" for other channels)
    link: str  # absolute URL the message points to ("" for none)
    urgent: bool  # push urgency "high"; SMS sent even at night
    attachments: tuple[Attachment, ...] = ()  # email only


class DeliveryError(Exception):
    """The message did not go out. `retry` says whether trying again later may help."""

    retry = True

    def __init__(self, message: str, *, provider_code: str = "") -> None:
        super().__init__(message)
        self.provider_code = provider_code


class TransientDeliveryError(DeliveryError):
    """Network trouble, 5xx, 429: try again with back-off."""


class PermanentDeliveryError(DeliveryError):
    """Bad number, no subscription left, rejected credentials: retrying cannot help."""

    retry = False


class NothingToDeliver(Exception):
    """The user has no address for this channel (no phone, no push subscription): skipped."""


class Transport(Protocol):
    channel: str

    def send(self, message: Outbound) -> str:
        """Send it; return the provider's message id. Raise DeliveryError or NothingToDeliver."""
        ...
