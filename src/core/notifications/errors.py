"""Notification error codes."""

from __future__ import annotations

from core.errors import ApplicationError


class PreferenceError(ApplicationError):
    """A preference names an unknown category or channel, or turns off a required channel."""

    code = "invalid_preference"
    status = 422
    title = "Preference not accepted"
