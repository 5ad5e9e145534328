"""What the customer, property and tariff pages of the staff workspace share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import number_format

from core.accounts.models import User
from core.accounts.roles import Role
from core.tenancy.models import Tenant
from core.tenancy.selectors import tenant_get_for
from water.portal.shell import CLIENT, shell
from water.registry.models import Client

STAFF = {Role.SUPERADMIN, Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR}
ADMINS = {Role.SUPERADMIN, Role.CLIENT_ADMIN}
PER_PAGE = 25
DEFAULT_TZ = "Asia/Jakarta"


def actor_of(request: HttpRequest) -> User:
    """The signed-in staff member (the access policy has already admitted them)."""
    return request.user  # type: ignore[return-value]


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@dataclass(frozen=True)
class Workspace:
    """The tenant a page is about, its local time zone and the frame's context."""

    tenant: Tenant
    tz: str
    context: dict[str, Any]

    @property
    def today(self) -> date:
        return timezone.now().astimezone(ZoneInfo(self.tz)).date()


def workspace(request: HttpRequest, tenant_id: int, section: str) -> Workspace:
    """The tenant (404 when the actor cannot see it), its time zone and the frame."""
    user = actor_of(request)
    tenant = tenant_get_for(actor=user, tenant_id=tenant_id)
    tz = (
        Client.objects.filter(tenant_id=tenant_id).values_list("timezone", flat=True).first()
        or DEFAULT_TZ
    )
    frame = shell(user, area=CLIENT, section=section, tenant=tenant)
    return Workspace(tenant=tenant, tz=tz, context={**frame, "tz": tz, "tenant": tenant})


def page_of(request: HttpRequest, rows: QuerySet[Any]) -> Page[Any]:
    """One page of 25 rows; a page number out of range shows the nearest page."""
    return Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))


def choice_or_none(value: str | None, choices: list[str]) -> str | None:
    """`value` when it is one of `choices`, else None (an unknown filter shows everything)."""
    return value if value in choices else None


def service_errors(exc: Exception) -> dict[str, str]:
    """{field: message} from a domain error's `extra["errors"]`, or {"": message}."""
    extra = getattr(exc, "extra", {}) or {}
    message = str(getattr(exc, "message", exc))
    found = {
        str(item.get("field", "")): str(item.get("message", message))
        for item in extra.get("errors", [])
        if isinstance(item, dict)
    }
    return found or {"": message}


def m3(litres: int | None) -> str:
    """Litres as m³ with one to three decimals, in the active language ("15.0", "15.234")."""
    if litres is None:
        return ""
    value = Decimal(litres) / 1000
    decimals = max(1, min(3, -value.normalize().as_tuple().exponent))  # type: ignore[operator]
    return number_format(value, decimals, force_grouping=True)
