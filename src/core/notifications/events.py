"""The catalogue of events a person can be told about.

Each `EventType` says which channels it may use, which are on unless the user turns them off,
which can never be turned off (security mail), and its message: a title and a body with
``%(name)s`` placeholders, translated like every other string (Bahasa Indonesia, English,
Spanish) and rendered in the recipient's language. Products register their own events from
their AppConfig.ready(); core registers the account and payment events below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.notifications.models import Channel

EMAIL, SMS, PUSH, IN_APP = Channel.EMAIL, Channel.SMS, Channel.PUSH, Channel.IN_APP
ALL_CHANNELS = frozenset({EMAIL, SMS, PUSH, IN_APP})


class Category(models.TextChoices):
    """Preference groups: a user turns channels on and off per category."""

    SECURITY = "security", _("Sign-in and security")
    BALANCE = "balance", _("Balance and water supply")
    METER = "meter", _("Meter alerts")
    PAYMENTS = "payments", _("Payments")
    JOBS = "jobs", _("Roadside jobs")
    EMERGENCY = "emergency", _("Emergencies (SOS)")


# Builds extra email context at send time, e.g. a one-time link that must never be stored.
EmailContext = Callable[[Any, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email: built at send time, never stored with the notification."""

    filename: str
    content: bytes
    mimetype: str


# Builds an email's attachments at send time from the stored context and the recipient's
# language, e.g. a payment's PDF receipt.
EmailAttachments = Callable[[dict[str, Any], str], list[Attachment]]


@dataclass(frozen=True)
class EventType:
    key: str
    category: Category
    title: Promise | str
    body: Promise | str
    channels: frozenset[str] = ALL_CHANNELS
    defaults: frozenset[str] = frozenset({EMAIL, PUSH, IN_APP})
    required: frozenset[str] = frozenset()
    urgent: bool = False
    # "<template dir>/<name>" rendered as .subject.txt, .txt and .html; the generic one shows
    # the title, the body and a button to the link.
    email_template: str = "notifications/email/event"
    email_context: EmailContext | None = None
    email_attachments: EmailAttachments | None = None

    def __post_init__(self) -> None:
        unknown = (self.defaults | self.required) - self.channels
        if unknown:
            raise ValueError(f"{self.key}: defaults/required outside channels: {sorted(unknown)}")


class UnknownEvent(KeyError):
    """notify() was called with an event nobody registered."""


_REGISTRY: dict[str, EventType] = {}


def register(*events: EventType) -> None:
    """Add events to the catalogue; the same key twice must be the same definition."""
    for event in events:
        existing = _REGISTRY.get(event.key)
        if existing is not None and existing != event:
            raise ValueError(f"Event {event.key!r} is already registered differently.")
        _REGISTRY[event.key] = event


def event_get(key: str) -> EventType:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise UnknownEvent(key) from None


def events_all() -> list[EventType]:
    return sorted(_REGISTRY.values(), key=lambda event: event.key)


def categories_in_use() -> list[Category]:
    """Categories with at least one registered event, in declaration order."""
    used = {event.category for event in _REGISTRY.values()}
    return [category for category in Category if category in used]


def channels_of(category: str) -> frozenset[str]:
    """Every channel some event of this category may use."""
    found: set[str] = set()
    for event in _REGISTRY.values():
        if event.category == category:
            found |= event.channels
    return frozenset(found)


def required_of(category: str) -> frozenset[str]:
    """Channels that every event of the category forces on (the user cannot turn them off)."""
    events = [event for event in _REGISTRY.values() if event.category == category]
    if not events:
        return frozenset()
    return frozenset.intersection(*(event.required for event in events))


def default_of(category: str, channel: str) -> bool:
    """On by default when any event of the category has the channel on by default."""
    return any(
        channel in event.defaults for event in _REGISTRY.values() if event.category == category
    )
