"""Money in templates: ``{{ payment.total_minor|money:payment.currency }}`` → "Rp 150.000"."""

from __future__ import annotations

from django import template

from core.notifications.rendering import money as money_format

register = template.Library()


@register.filter
def money(minor: int | None, currency: str) -> str:
    if minor is None:
        return ""
    return money_format({"minor": int(minor), "currency": currency})
