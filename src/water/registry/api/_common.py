"""Helpers of the registry API handlers."""

from typing import Any

from django.http import HttpRequest
from pydantic import BaseModel

from core.accounts.models import User
from water.errors import ValidationFailed


def actor(request: HttpRequest) -> User:
    """The authenticated caller (the access policy has already admitted them)."""
    return request.user  # type: ignore[return-value]


def changes_of(payload: BaseModel, *, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields a PATCH body sets; null is refused except where it clears a value."""
    changes = payload.model_dump(exclude_unset=True)
    nulls = sorted(k for k, v in changes.items() if v is None and k not in nullable)
    if nulls:
        raise ValidationFailed(
            "These fields cannot be null.",
            extra={"errors": [{"field": k, "message": "May not be null."} for k in nulls]},
        )
    return changes
