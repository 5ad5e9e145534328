"""Error codes of the registry beyond those shared by IndoWater (water.errors)."""

from __future__ import annotations

from core.errors import ApplicationError


class InUse(ApplicationError):
    """The object is still referenced (for example by a meter) and cannot be removed."""

    code = "in_use"
    status = 409
    title = "The object is still in use"
