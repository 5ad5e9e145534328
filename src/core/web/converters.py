"""URL converter that matches only the services that have a portal."""

from __future__ import annotations

from core.tenancy.models import Service


class ServiceConverter:
    """`water` or `roadside`; anything else does not match and answers 404."""

    regex = "|".join(Service.values)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)
