"""Per-request metadata (request id, client IP) available to services without the request."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    request_id: str = ""
    ip: str | None = None
    user_agent: str = ""


_meta: ContextVar[RequestMeta] = ContextVar("request_meta", default=RequestMeta())  # noqa: B039


def current_request_meta() -> RequestMeta:
    """The metadata of the request being served, or empty values outside a request."""
    return _meta.get()


def set_request_meta(meta: RequestMeta) -> object:
    """Bind metadata for the current context; returns a token for `reset_request_meta`."""
    return _meta.set(meta)


def reset_request_meta(token: object) -> None:
    _meta.reset(token)  # type: ignore[arg-type]
