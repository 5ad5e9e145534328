"""Schema pieces every router shares: strict input bodies and one page format for lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import ConfigDict

MAX_PAGE = 200


class Strict(Schema):
    """Base of input bodies: an unknown key is a 422 `extra_forbidden`, never ignored."""

    model_config = ConfigDict(extra="forbid")


class PageIn(Schema):
    """Query parameters of a list: page size (at most 200) and rows to skip."""

    limit: int = Field(default=50, ge=1, le=MAX_PAGE, description=f"At most {MAX_PAGE}")
    offset: int = Field(default=0, ge=0)


class Page[Item](Schema):
    """One page of a list answer: the rows, how many there are in all, and the window."""

    items: list[Item]
    count: int
    limit: int
    offset: int


def page_of(
    queryset: QuerySet[Any], page: PageIn, *, item: Callable[[Any], Any] | None = None
) -> dict[str, Any]:
    """A page of `queryset` (two queries: count and rows), each row mapped by `item`."""
    rows = queryset[page.offset : page.offset + page.limit]
    return {
        "count": queryset.count(),
        "limit": page.limit,
        "offset": page.offset,
        "items": [item(row) for row in rows] if item is not None else list(rows),
    }
