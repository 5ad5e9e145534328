"""Template helpers of the shared layout."""

from __future__ import annotations

import re

from django import template
from django.utils.translation import gettext as _

register = template.Library()

_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


@register.filter
def device_summary(user_agent: str) -> str:
    """A short "Browser on System" description of a User-Agent header."""
    if not user_agent:
        return _("Unknown device")
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or user_agent.split(" ")[0][:40]


@register.filter
def initials(name: str) -> str:
    """One or two letters for the avatar of the user menu."""
    words = [w for w in re.split(r"[\s@._-]+", name or "") if w]
    return "".join(w[0] for w in words[:2]).upper() or "?"
