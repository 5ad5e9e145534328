"""Where each service's portal home sends a signed-in person.

Products register a function per service from their AppConfig.ready(); it returns the path
of the person's own workspace (a customer's dashboard, an operator's tenant dashboard) or
None to show the service overview, which lists every organisation and role they hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.accounts.models import User

HomeResolver = Callable[["User"], str | None]
_homes: dict[str, HomeResolver] = {}


def register_home(service: str, resolver: HomeResolver) -> None:
    _homes[service] = resolver


def home_of(service: str, user: User) -> str | None:
    """The path `user` works from in `service`, if the product names one."""
    resolver = _homes.get(service)
    return resolver(user) if resolver is not None else None
