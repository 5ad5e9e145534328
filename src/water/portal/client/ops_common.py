"""What every page of the staff operations workspace needs: the client's rules and clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils import formats, timezone

from core.tenancy.models import Tenant
from water.registry.models import Client

PER_PAGE = 25
DEFAULT_TIMEZONE = "Asia/Jakarta"


@dataclass(frozen=True)
class Workspace:
    """The tenant in scope with its client profile (defaults when it has none yet)."""

    tenant: Tenant
    client: Client

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.client.timezone or DEFAULT_TIMEZONE)

    def today(self, now: datetime | None = None) -> date:
        """The client's local date now."""
        return (now or timezone.now()).astimezone(self.tz).date()

    def day_start(self, day: date) -> datetime:
        """The instant the client's local `day` begins."""
        return datetime.combine(day, time(0), tzinfo=self.tz)

    def day_end(self, day: date) -> datetime:
        """The instant the client's local `day` ends (the next day's start)."""
        return self.day_start(day + timedelta(days=1))


def ops_workspace_get(*, tenant_id: int) -> Workspace:
    """The tenant and its client profile in one query; the caller has checked access."""
    client = Client.objects.select_related("tenant").filter(tenant_id=tenant_id).first()
    if client is not None:
        return Workspace(tenant=client.tenant, client=client)
    tenant = Tenant.objects.get(pk=tenant_id)
    return Workspace(tenant=tenant, client=Client(tenant=tenant))


def volume_m3(litres: int | None) -> str:
    """Litres as cubic metres with one to three decimals, in the active language's format."""
    if litres is None:
        return ""
    places = 3
    while places > 1 and litres % (10 ** (4 - places)) == 0:
        places -= 1
    value = Decimal(litres).scaleb(-3)
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def page_of(request: HttpRequest, items: Any) -> Page[Any]:
    """Page `?page=` of `items`, 25 a page; a page out of range shows the last one."""
    return Paginator(items, PER_PAGE).get_page(request.GET.get("page"))


def querystring_without(request: HttpRequest, *names: str) -> str:
    """The request's query string minus `names` (for pager and tab links that keep filters)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def is_fragment(request: HttpRequest) -> bool:
    """An htmx request asks for the live fragment, not the whole page."""
    return request.headers.get("HX-Request") == "true"
