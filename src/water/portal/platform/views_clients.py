"""Water authorities: the list, creating one, and its detail with status and service fee."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.accounts.permissions import access
from core.accounts.roles import Role
from core.accounts.services.memberships import membership_add
from core.audit.selectors import audit_event_list_for
from core.errors import ApplicationError
from water.errors import ValidationFailed
from water.portal.platform import selectors
from water.portal.platform._common import actor, frame, page_of
from water.portal.platform.forms import (
    ClientCreateForm,
    ClientStatusForm,
    ServiceFeeForm,
    errors_from,
)
from water.registry.models import ClientStatus, ServiceFeeType
from water.registry.services.clients import client_create, client_status_set, client_update

PER_PAGE = 25
RECENT_EVENTS = 10


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


@access(roles={Role.SUPERADMIN})
@never_cache
@require_http_methods(["GET"])
def clients_view(request: HttpRequest) -> HttpResponse:
    """Every water authority, searchable and filtered by status, 25 a page."""
    q = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    status = status if status in ClientStatus.values else ""
    clients = selectors.platform_client_list(actor=actor(request), q=q, status=status)
    context = frame(
        request,
        "clients",
        page=page_of(request, clients, PER_PAGE),
        q=q,
        status=status,
        statuses=ClientStatus.choices,
        filtered=bool(q or status),
    )
    return render(request, "water_portal/platform/clients.html", context)


@access(roles={Role.SUPERADMIN})
@never_cache
@require_http_methods(["GET", "POST"])
def client_new_view(request: HttpRequest) -> HttpResponse:
    """Create a water authority (its tenant and client profile) through the registry."""
    form = ClientCreateForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                client = _client_create(actor(request), form.cleaned_data)
            except ApplicationError as exc:
                errors_from(form, exc)
                status = exc.status
            else:
                messages.success(request, _("%(name)s was created.") % {"name": client.tenant.name})
                url = reverse("water_portal:platform_client", args=[client.tenant_id])
                return _see_other(url)
        else:
            status = 422
    context = frame(request, "clients", form=form)
    return render(request, "water_portal/platform/client_new.html", context, status=status)


def _client_create(user: Any, data: dict[str, Any]) -> Any:
    """The authority and, when an email is given, its first administrator: both or neither."""
    fields = {k: v for k, v in data.items() if k != "admin_email"}
    with transaction.atomic():
        client = client_create(actor=user, **fields)
        if data.get("admin_email"):
            try:
                membership_add(
                    actor=user,
                    tenant=client.tenant,
                    user_email=data["admin_email"],
                    role=Role.CLIENT_ADMIN,
                )
            except ApplicationError as exc:
                raise ValidationFailed(
                    exc.message,
                    extra={"errors": [{"field": "admin_email", "message": exc.message}]},
                ) from exc
    return client


def _fee_initial(client: Any) -> dict[str, Any]:
    value = client.service_fee_value
    if client.service_fee_type == ServiceFeeType.PERCENTAGE:
        shown = f"{value / 100:.2f}".rstrip("0").rstrip(".")
    else:
        shown = str(value)
    return {"service_fee_type": client.service_fee_type, "service_fee_value": shown}


def _apply(request: HttpRequest, tenant_id: int, form_name: str) -> tuple[Any, Any, int]:
    """Run the posted form through its service; returns (status form, fee form, status)."""
    user = actor(request)
    status_form: Any = None
    fee_form: Any = None
    if form_name == "status":
        status_form = ClientStatusForm(request.POST)
        if not status_form.is_valid():
            return status_form, None, 422
        try:
            client_status_set(
                actor=user,
                tenant_id=tenant_id,
                status=status_form.cleaned_data["status"],
                reason=status_form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            errors_from(status_form, exc)
            return status_form, None, exc.status
        return None, None, 0
    fee_form = ServiceFeeForm(request.POST)
    if not fee_form.is_valid():
        return None, fee_form, 422
    changes = {
        "service_fee_type": fee_form.cleaned_data["service_fee_type"],
        "service_fee_value": fee_form.cleaned_data["value"],
    }
    try:
        client_update(actor=user, tenant_id=tenant_id, changes=changes)
    except ApplicationError as exc:
        errors_from(fee_form, exc)
        return None, fee_form, exc.status
    return None, None, 0


@access(roles={Role.SUPERADMIN})
@never_cache
@require_http_methods(["GET", "POST"])
def client_view(request: HttpRequest, tenant_id: int) -> HttpResponse:
    """A water authority: figures, contacts, status (with reason) and the service fee."""
    user = actor(request)
    figures = selectors.platform_client_get(actor=user, tenant_id=tenant_id)
    status_form: Any = None
    fee_form: Any = None
    code = 200
    if request.method == "POST":
        form_name = "status" if request.POST.get("form") == "status" else "fee"
        status_form, fee_form, code = _apply(request, tenant_id, form_name)
        if code == 0:
            done = {
                "status": _("The status was changed and recorded in the audit log."),
                "fee": _("The service fee was saved."),
            }
            messages.success(request, done[form_name])
            return _see_other(reverse("water_portal:platform_client", args=[tenant_id]))
        figures = selectors.platform_client_get(actor=user, tenant_id=tenant_id)
    client = figures.client
    suspend = client.status == ClientStatus.ACTIVE
    events = audit_event_list_for(actor=user, tenant_id=tenant_id)[:RECENT_EVENTS]
    context = frame(
        request,
        "clients",
        figures=figures,
        client=client,
        status_form=status_form
        or ClientStatusForm(
            initial={"status": ClientStatus.SUSPENDED if suspend else ClientStatus.ACTIVE}
        ),
        next_status=ClientStatus.SUSPENDED if suspend else ClientStatus.ACTIVE,
        fee_form=fee_form or ServiceFeeForm(initial=_fee_initial(client)),
        events=list(events),
        client_tz=client.timezone,
    )
    return render(request, "water_portal/platform/client.html", context, status=code)
