"""Error tracking with Sentry, with personal data and credentials scrubbed before sending."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from config import env

FILTERED = "[Filtered]"
# Key words whose values never leave the process, matched per word of a key (access_token,
# newPassword1, X-Api-Key …) so "footprint" is not mistaken for "otp".
SENSITIVE_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "token",
        "otp",
        "totp",
        "secret",
        "nik",
        "phone",
        "msisdn",
        "authorization",
        "cookie",
        "cookies",
        "session",
        "sessionid",
        "csrf",
        "csrftoken",
        "apikey",
        "signature",
        "card",
        "cvv",
        "pan",
    }
)
SENSITIVE_PAIRS = frozenset({("api", "key"), ("private", "key"), ("recovery", "code")})
# Request headers worth keeping for debugging; every other header is dropped.
SAFE_HEADERS = frozenset(
    {"accept", "accept-language", "content-length", "content-type", "host", "user-agent"}
    | {"x-request-id", "x-forwarded-proto"}
)


def _words(key: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key)
    return re.findall(r"[a-z]+", spaced.lower())


def is_sensitive(key: str) -> bool:
    """Whether a field, header or variable named `key` may hold a secret or personal data."""
    words = _words(key)
    if any(word in SENSITIVE_WORDS for word in words):
        return True
    return any(pair in SENSITIVE_PAIRS for pair in zip(words, words[1:], strict=False))


def scrub(value: Any) -> Any:
    """A copy of `value` with every sensitive key's value replaced, at any depth."""
    if isinstance(value, Mapping):
        return {
            key: FILTERED if isinstance(key, str) and is_sensitive(key) else scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def _scrub_query(query: Any) -> Any:
    if not isinstance(query, str):
        return scrub(query)
    pairs = []
    for part in query.split("&"):
        name, sep, _ = part.partition("=")
        pairs.append(f"{name}={FILTERED}" if sep and is_sensitive(name) else part)
    return "&".join(pairs)


def _scrub_request(request: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = dict(request)
    cleaned.pop("cookies", None)
    cleaned.pop("env", None)
    if "data" in cleaned:
        cleaned["data"] = FILTERED
    headers = cleaned.get("headers")
    if isinstance(headers, Mapping):
        cleaned["headers"] = {k: v for k, v in headers.items() if k.lower() in SAFE_HEADERS}
    if "query_string" in cleaned:
        cleaned["query_string"] = _scrub_query(cleaned["query_string"])
    return cleaned


def scrub_event(event: dict[str, Any], hint: Any = None) -> dict[str, Any]:
    """Sentry `before_send`: drop cookies, bodies and unsafe headers; mask sensitive keys."""
    cleaned: dict[str, Any] = scrub(event)
    request = event.get("request")
    if isinstance(request, Mapping):
        cleaned["request"] = scrub(_scrub_request(request))
    user = cleaned.get("user")
    if isinstance(user, Mapping):
        cleaned["user"] = {k: v for k, v in user.items() if k == "id"}
    return cleaned


def parse_sample_rate(text: str) -> float:
    """A traces sample rate between 0 and 1, or a configuration error."""
    try:
        rate = float(text)
    except ValueError as exc:
        raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE must be a number.") from exc
    if not 0.0 <= rate <= 1.0:
        raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE must be between 0 and 1.")
    return rate


def sentry_init(
    *,
    dsn: str,
    environment: str,
    traces_sample_rate: float | None = None,
    release: str | None = None,
) -> None:
    """Start the Sentry client for Django; the sample rate defaults to SENTRY_TRACES_SAMPLE_RATE."""
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    if traces_sample_rate is None:
        traces_sample_rate = parse_sample_rate(env.string("SENTRY_TRACES_SAMPLE_RATE", "0"))
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or env.optional("SENTRY_RELEASE"),
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,  # type: ignore[arg-type]
        before_send_transaction=scrub_event,  # type: ignore[arg-type]
    )
