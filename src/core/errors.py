"""The one base for domain errors. Each app lists its own codes in its errors.py."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A domain error with a stable machine-readable code and an HTTP status.

    The API renders it as RFC 9457 problem+json; portal views show `message`.
    """

    code: str = "application_error"
    status: int = 400
    title: str = "Request could not be completed"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.title
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.extra = extra or {}
        super().__init__(self.message)


class NotFound(ApplicationError):
    """The object does not exist or belongs to another tenant (indistinguishable on purpose)."""

    code = "not_found"
    status = 404
    title = "Not found"


class PermissionDenied(ApplicationError):
    """The caller is known but their role does not allow the action."""

    code = "permission_denied"
    status = 403
    title = "Permission denied"


class NotAuthenticated(ApplicationError):
    """No valid credentials were presented."""

    code = "not_authenticated"
    status = 401
    title = "Authentication required"


class RateLimited(ApplicationError):
    """Too many requests; `retry_after` says when to come back, in seconds."""

    code = "rate_limited"
    status = 429
    title = "Too many requests"

    def __init__(self, message: str | None = None, *, retry_after: int, **kwargs: Any) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message, **kwargs)
