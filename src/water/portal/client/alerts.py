"""The alerts inbox of a water authority: open, acknowledged and resolved alerts.

Acknowledge and resolve go through the valves service (audited) and come back to the same
tab and filters.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.accounts.models import User
from core.accounts.permissions import access
from core.accounts.roles import Role
from core.errors import ApplicationError
from water.portal.client.ops_common import (
    is_fragment,
    ops_workspace_get,
    page_of,
    querystring_without,
)
from water.portal.shell import CLIENT, shell
from water.valves import services as valve_services
from water.valves.models import AlertKind, AlertSeverity, AlertStatus
from water.valves.selectors import AlertQuery, alert_list_for

STAFF = {Role.SUPERADMIN, Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR}
ACTIONS = {
    "acknowledge": valve_services.alert_acknowledge,
    "resolve": valve_services.alert_resolve,
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _choice(value: str | None, allowed: list[str], default: str = "") -> str:
    return value if value in allowed else default


@access(roles=STAFF, tenant_kwarg="tenant_id")
@never_cache
@require_http_methods(["GET"])
def alerts_view(request: HttpRequest, tenant_id: int) -> HttpResponse:
    """Alerts of one status tab, filtered by kind and severity, 25 a page."""
    workspace = ops_workspace_get(tenant_id=tenant_id)
    status = _choice(request.GET.get("status"), AlertStatus.values, AlertStatus.OPEN)
    kind = _choice(request.GET.get("kind"), AlertKind.values)
    severity = _choice(request.GET.get("severity"), AlertSeverity.values)
    alerts = alert_list_for(
        actor=_user(request),
        tenant_id=tenant_id,
        query=AlertQuery(status=status, kind=kind or None),
    )
    if severity:
        alerts = alerts.filter(severity=severity)
    page = page_of(request, alerts)
    filters = querystring_without(request, "page", "status")
    context: dict[str, Any] = {
        "workspace": workspace,
        "tz": workspace.tz,
        "status": status,
        "kind": kind,
        "severity": severity,
        "page": page,
        "keep": querystring_without(request, "page"),
        "filters_qs": filters,
        "tabs": AlertStatus.choices,
        "kinds": AlertKind.choices,
        "severities": AlertSeverity.choices,
        "here": request.get_full_path(),
    }
    if is_fragment(request):
        return render(request, "water_portal/client/alert_list.html", context)
    frame = shell(_user(request), area=CLIENT, section="alerts", tenant=workspace.tenant)
    return render(request, "water_portal/client/alerts.html", {**frame, **context})


@access(roles=STAFF, tenant_kwarg="tenant_id")
@require_http_methods(["POST"])
def alert_action_view(
    request: HttpRequest, tenant_id: int, alert_id: int, action: str
) -> HttpResponse:
    """Acknowledge or resolve an alert, then go back where the button was."""
    service = ACTIONS.get(action)
    if service is None:
        raise Http404
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    back = back or reverse("water_portal:client_alerts", kwargs={"tenant_id": tenant_id})
    try:
        service(actor=_user(request), tenant_id=tenant_id, alert_id=alert_id)
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        done = _("Alert acknowledged.") if action == "acknowledge" else _("Alert resolved.")
        messages.success(request, done)
    response = HttpResponseRedirect(back)
    response.status_code = 303
    return response
