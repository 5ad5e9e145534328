"""The audit log viewer (read-only) and the hash-chain check."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.accounts.permissions import access
from core.accounts.roles import Role
from core.audit.models import AuditEvent
from core.audit.services import audit_chain_verify
from core.tenancy.models import Tenant
from water.portal.platform import selectors
from water.portal.platform._common import PLATFORM_TZ, actor, frame, page_of
from water.portal.platform.forms import AuditFilterForm

PER_PAGE = 50


def _query(form: AuditFilterForm) -> selectors.AuditQuery | None:
    """The filters as a query, or None when they are not valid (the form shows why)."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    until = data.get("until")
    return selectors.AuditQuery(
        action=data.get("action") or "",
        tenant_id=data.get("tenant"),
        actor_email=(data.get("actor") or "").strip(),
        since=form.day_start(data.get("since"), PLATFORM_TZ),
        until=form.day_start(until + dt.timedelta(days=1), PLATFORM_TZ) if until else None,
        target_type=(data.get("target_type") or "").strip(),
        target_id=(data.get("target_id") or "").strip(),
    )


@access(roles={Role.SUPERADMIN})
@never_cache
@require_http_methods(["GET", "POST"])
def audit_view(request: HttpRequest) -> HttpResponse:
    """Audit events newest first with filters, 50 a page; POST verifies the whole chain."""
    user = actor(request)
    tenants = list(Tenant.objects.order_by("name", "pk").values_list("pk", "name"))
    form = AuditFilterForm(
        request.GET, actions=selectors.audit_actions(actor=user), tenants=tenants
    )
    query = _query(form)
    events = (
        selectors.audit_list(actor=user, query=query)
        if query is not None
        else AuditEvent.objects.none()
    )
    report = audit_chain_verify() if request.method == "POST" else None
    page = page_of(request, events, PER_PAGE)
    names = dict(tenants)
    page.object_list = list(page.object_list)
    for event in page.object_list:
        event.tenant_name = names.get(event.tenant_id, "")
    context = frame(
        request,
        "audit",
        form=form,
        page=page,
        report=report,
        filtered=any(v for k, v in request.GET.items() if k != "page"),
    )
    return render(request, "water_portal/platform/audit.html", context)
