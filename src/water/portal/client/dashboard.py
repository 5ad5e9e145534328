"""A water authority's dashboard: customers, the fleet, credit sold, consumption, alerts.

The figures refresh live (balances, valves, alerts and payments); the 30-day chart is drawn
by Chart.js from the same numbers the table under it shows.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.accounts.models import User
from core.accounts.permissions import access
from core.accounts.roles import Role
from water.portal.client.ops_common import is_fragment, ops_workspace_get, volume_m3
from water.portal.client.ops_dashboard import ops_dashboard_get
from water.portal.shell import CLIENT, shell

STAFF = {Role.SUPERADMIN, Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR}


@access(roles=STAFF, tenant_kwarg="tenant_id")
@never_cache
@require_http_methods(["GET"])
def dashboard_view(request: HttpRequest, tenant_id: int) -> HttpResponse:
    """The dashboard; an htmx request gets the figures fragment only."""
    workspace = ops_workspace_get(tenant_id=tenant_id)
    board = ops_dashboard_get(workspace=workspace)
    context: dict[str, Any] = {
        "workspace": workspace,
        "tz": workspace.tz,
        "board": board,
        "today_m3": volume_m3(board.usage_today.litres),
        "month_m3": volume_m3(board.usage_month.litres),
    }
    if is_fragment(request):
        return render(request, "water_portal/client/dashboard_figures.html", context)
    user: User = request.user  # type: ignore[assignment]
    chart = {
        "labels": [day.day.isoformat() for day in board.daily],
        "litres": [day.litres for day in board.daily],
        "charge": [day.charge_idr for day in board.daily],
    }
    days = [(day, volume_m3(day.litres)) for day in reversed(board.daily)]
    has_usage = any(day.litres for day in board.daily)
    context |= {"chart": chart, "days": days, "has_usage": has_usage}
    return render(
        request,
        "water_portal/client/dashboard.html",
        {**shell(user, area=CLIENT, section="dashboard", tenant=workspace.tenant), **context},
    )
