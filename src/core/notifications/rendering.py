"""Turn an event and its context into words, in the recipient's language.

Context values stay JSON-safe and language-neutral; they are formatted here, at render time:
- ``{"minor": 150000, "currency": "IDR"}`` is money ("Rp 150.000" in Bahasa Indonesia,
  "Rp 150,000" in English; "TT$1,250.00" for TTD);
- an ISO-8601 string under a key ending in ``_at`` is a moment, shown in the context's
  ``timezone`` (default UTC) in the language's date format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, translation

from core.accounts.models import User
from core.notifications.events import EventType

# Minor-unit exponent and symbol per ISO 4217 code we bill in.
CURRENCIES: dict[str, tuple[int, str]] = {
    "IDR": (0, "Rp "),
    "TTD": (2, "TT$"),
    "USD": (2, "US$"),
}


class ContextError(ValueError):
    """The caller's context lacks a placeholder the event's message needs."""


def language_of(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def money(value: dict[str, Any]) -> str:
    exponent, symbol = CURRENCIES.get(value["currency"], (2, value["currency"] + " "))
    amount = Decimal(int(value["minor"])).scaleb(-exponent)
    sign = "-" if amount < 0 else ""
    text = formats.number_format(abs(amount), decimal_pos=exponent, force_grouping=True)
    return f"{sign}{symbol}{text}"


def _format(key: str, value: Any, zone: ZoneInfo) -> Any:
    if isinstance(value, dict) and {"minor", "currency"} <= value.keys():
        return money(value)
    if key.endswith("_at") and isinstance(value, str):
        moment = datetime.fromisoformat(value).astimezone(zone)
        return formats.date_format(moment, "DATETIME_FORMAT")
    return value


def formatted(context: dict[str, Any]) -> dict[str, Any]:
    """Context values as the active language writes them."""
    zone = ZoneInfo(str(context.get("timezone") or "UTC"))
    return {key: _format(key, value, zone) for key, value in context.items()}


def _fill(template: Any, values: dict[str, Any], event: EventType) -> str:
    try:
        return str(template) % values
    except KeyError as exc:
        raise ContextError(f"{event.key} needs context {exc.args[0]!r}") from None


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def message_render(event: EventType, user: User, context: dict[str, Any]) -> Message:
    """The title and body in the user's language (raises ContextError on a missing value)."""
    with translation.override(language_of(user)):
        values = formatted(context)
        return Message(
            title=_fill(event.title, values, event), body=_fill(event.body, values, event)
        )


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def absolute(path: str) -> str:
    """An absolute URL for a path ("" stays ""); full URLs pass through."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def email_render(event: EventType, user: User, context: dict[str, Any], link: str) -> Email:
    """Subject, text and HTML bodies from the event's email template, in the user's language."""
    with translation.override(language_of(user)):
        values = formatted(context)
        message = Message(
            title=_fill(event.title, values, event), body=_fill(event.body, values, event)
        )
        extra = event.email_context(user, context) if event.email_context else {}
        template_context = {
            "user": user,
            "platform_url": absolute("/"),
            "preferences_url": absolute("/notifications/preferences/"),
            "title": message.title,
            "body": message.body,
            "link": absolute(link),
            **values,
            **extra,
        }
        base = event.email_template
        subject = render_to_string(f"{base}.subject.txt", template_context)
        text = render_to_string(f"{base}.txt", template_context)
        html = render_to_string(f"{base}.html", template_context)
    return Email(subject=" ".join(subject.split()), text=text, html=html)
