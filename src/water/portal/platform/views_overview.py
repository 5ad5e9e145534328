"""The platform overview: every water authority's figures and the platform's totals."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.accounts.permissions import access
from core.accounts.roles import Role
from water.portal.platform import selectors
from water.portal.platform._common import actor, frame, is_htmx


@access(roles={Role.SUPERADMIN})
@never_cache
@require_http_methods(["GET"])
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """Per client and platform-wide figures; htmx asks for the figures fragment alone."""
    overview = selectors.platform_overview(actor=actor(request))
    amounts = [row.topup_minor for row in overview.rows]  # IDR has no minor unit
    labels = [row.client.tenant.name for row in overview.rows]
    chart = {"labels": labels, "amounts": amounts} if any(amounts) else {}
    context = frame(request, "dashboard", overview=overview, chart=chart)
    if is_htmx(request):
        return render(request, "water_portal/platform/_overview.html", context)
    return render(request, "water_portal/platform/dashboard.html", context)
