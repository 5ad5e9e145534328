"""The one place that reads the process environment.

Every setting that can differ between machines (database, cache, secrets, key paths,
gateway credentials) is read here and nowhere else; the settings modules import these
helpers. Values are validated on read so a misconfigured deployment fails at start-up.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
_UNSET = object()


def string(name: str, default: str | object = _UNSET) -> str:
    """Return the variable's text; without a default a missing variable is an error."""
    value = os.environ.get(name)
    if value is None or value == "":
        if default is _UNSET:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        return str(default)
    return value


def optional(name: str) -> str | None:
    """Return the variable's text, or None when it is unset or empty."""
    value = os.environ.get(name, "")
    return value or None


def boolean(name: str, default: bool = False) -> bool:
    """Parse 1/0, true/false, yes/no, on/off."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"Environment variable {name} must be a boolean, got {value!r}.")


def integer(name: str, default: int) -> int:
    """Parse an integer, failing loudly on garbage."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"Environment variable {name} must be an integer.") from exc


def listing(name: str, default: str = "") -> list[str]:
    """Split a comma-separated variable into trimmed, non-empty items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def path(name: str, default: Path) -> Path:
    """Return a filesystem path, relative paths taken from the project root."""
    value = os.environ.get(name)
    if not value:
        return default
    candidate = Path(value)
    return candidate if candidate.is_absolute() else BASE_DIR / candidate
