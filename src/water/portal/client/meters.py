"""Staff meter pages: the searchable list, registering a meter, and one meter's page with
its valve, cash top-up, customer, replacement and retirement actions.

Every action posts to its own URL, goes through the meters, valves or top-ups service (which
audit it) and redirects back (303); a refused action renders the page again with the reason
and changes nothing.
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.accounts.models import User
from core.accounts.permissions import access
from core.accounts.roles import Role
from core.errors import ApplicationError
from water.meters import services as meter_services
from water.meters.devices.provisioning import provisioning_token_create, provisioning_token_issue
from water.meters.models import MeterStatus, ValveState
from water.portal.client import ops_meters
from water.portal.client.ops_common import (
    Workspace,
    is_fragment,
    ops_workspace_get,
    page_of,
    querystring_without,
)
from water.portal.client.ops_forms import (
    AssignForm,
    CashTopupForm,
    MeterRegisterForm,
    ReplaceForm,
    ValveForm,
)
from water.portal.shell import CLIENT, shell
from water.topups.services import cash_topup_record

STAFF = {Role.SUPERADMIN, Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR}
ADMINS = {Role.SUPERADMIN, Role.CLIENT_ADMIN}
T = "water_portal/client/"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _frame(request: HttpRequest, workspace: Workspace) -> dict[str, Any]:
    return {
        **shell(_user(request), area=CLIENT, section="meters", tenant=workspace.tenant),
        "workspace": workspace,
        "tz": workspace.tz,
    }


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _meter_url(tenant_id: int, meter_id: int) -> str:
    return reverse(
        "water_portal:client_meter", kwargs={"tenant_id": tenant_id, "meter_id": meter_id}
    )


@access(roles=STAFF, tenant_kwarg="tenant_id")
@never_cache
@require_http_methods(["GET"])
def meters_view(request: HttpRequest, tenant_id: int) -> HttpResponse:
    """The tenant's meters: search, filters and 25 a page; htmx gets the table only."""
    workspace = ops_workspace_get(tenant_id=tenant_id)
    filters = ops_meters.MeterFilters.read(request.GET.dict())
    now = timezone.now()
    meters = ops_meters.ops_meter_list(
        actor=_user(request), workspace=workspace, filters=filters, now=now
    )
    page = page_of(request, meters)
    context: dict[str, Any] = {
        "workspace": workspace,
        "tz": workspace.tz,
        "filters": filters,
        "page": page,
        "rows": [ops_meters.meter_row(m, workspace=workspace, now=now) for m in page],
        "keep": querystring_without(request, "page"),
        "statuses": MeterStatus.choices,
        "valve_states": ValveState.choices,
    }
    if is_fragment(request):
        return render(request, T + "meter_table.html", context)
    return render(request, T + "meters.html", {**_frame(request, workspace), **context})


@access(roles=STAFF, tenant_kwarg="tenant_id")
@never_cache
@require_http_methods(["GET", "POST"])
def meter_new_view(request: HttpRequest, tenant_id: int) -> HttpResponse:
    """Register a meter; success shows its provisioning token once."""
    workspace = ops_workspace_get(tenant_id=tenant_id)
    form = MeterRegisterForm(request.POST if request.method == "POST" else None)
    error = ""
    if form.is_bound and form.is_valid():
        try:
            return _register(request, workspace, form)
        except ApplicationError as exc:
            error = exc.message
            field = str(exc.extra.get("field", ""))
            target = {"serial": "serial", "property_id": "property_code"}.get(field)
            if target == "serial":
                form.add_error("serial", exc.message)
                error = ""
    status = 422 if form.is_bound else 200
    context = {
        **_frame(request, workspace),
        "form": form,
        "error": error,
        "properties": ops_meters.ops_property_hints(workspace=workspace),
    }
    return render(request, T + "meter_new.html", context, status=status)


def _register(request: HttpRequest, workspace: Workspace, form: forms.Form) -> HttpResponse:
    data = form.cleaned_data
    prop = ops_meters.ops_property_by_code(workspace=workspace, code=data["property_code"])
    if prop is None:
        form.add_error("property_code", _("No property with this code in your water authority."))
        raise ApplicationError(_("Please check the highlighted fields. Nothing was saved."))
    customer_id = None
    if data["customer_number"]:
        customer = ops_meters.ops_customer_by_number(
            workspace=workspace, number=data["customer_number"]
        )
        if customer is None:
            form.add_error(
                "customer_number", _("No customer with this number in your water authority.")
            )
            raise ApplicationError(_("Please check the highlighted fields. Nothing was saved."))
        customer_id = customer.pk
    user = _user(request)
    with transaction.atomic():
        meter = meter_services.meter_register(
            actor=user,
            tenant_id=workspace.tenant.pk,
            serial=data["serial"],
            property_id=prop.pk,
            customer_id=customer_id,
            model=data["model"],
            firmware=data["firmware"],
            install_date=data["install_date"],
        )
        issued = provisioning_token_issue(meter=meter, actor=user)
    context = {
        **_frame(request, workspace),
        "meter": meter,
        "property": prop,
        "issued": issued,
    }
    return render(request, T + "meter_registered.html", context, status=201)


def _detail(
    request: HttpRequest,
    workspace: Workspace,
    meter_id: int,
    *,
    status: int = 200,
    error: str = "",
    **bound: forms.Form,
) -> HttpResponse:
    user = _user(request)
    story = ops_meters.ops_meter_story(actor=user, workspace=workspace, meter_id=meter_id)
    chart = {
        "labels": [p.day.isoformat() for p in story.series],
        "litres": [p.litres for p in story.series],
    }
    context = {
        **_frame(request, workspace),
        "story": story,
        "row": story.row,
        "meter": story.row.meter,
        "chart": chart,
        "error": error,
        "valve_form": bound.get("valve_form") or ValveForm(),
        "topup_form": bound.get("topup_form")
        or CashTopupForm(initial={"idempotency_key": secrets.token_urlsafe(18)}),
        "assign_form": bound.get("assign_form") or AssignForm(),
        "replace_form": bound.get("replace_form") or ReplaceForm(),
        "open_form": bound.get("open_form"),
    }
    return render(request, T + "meter_detail.html", context, status=status)


@access(roles=STAFF, tenant_kwarg="tenant_id")
@never_cache
@require_http_methods(["GET"])
def meter_view(request: HttpRequest, tenant_id: int, meter_id: int) -> HttpResponse:
    """One meter; htmx asks for `?part=commands` or `?part=balance` to refresh live."""
    workspace = ops_workspace_get(tenant_id=tenant_id)
    part = request.GET.get("part")
    if is_fragment(request) and part == "commands":
        commands = ops_meters.ops_meter_commands(
            actor=_user(request), workspace=workspace, meter_id=meter_id
        )
        return render(
            request, T + "meter_commands.html", {"commands": commands, "tz": workspace.tz}
        )
    if is_fragment(request) and part == "balance":
        row = ops_meters.ops_meter_get(actor=_user(request), workspace=workspace, meter_id=meter_id)
        context = {"row": row, "meter": row.meter, "workspace": workspace, "tz": workspace.tz}
        return render(request, T + "meter_facts.html", context)
    return _detail(request, workspace, meter_id)


def _refused(
    request: HttpRequest, workspace: Workspace, meter_id: int, exc: ApplicationError, **bound: Any
) -> HttpResponse:
    return _detail(request, workspace, meter_id, status=exc.status, error=exc.message, **bound)


def _invalid(
    request: HttpRequest, workspace: Workspace, meter_id: int, **bound: Any
) -> HttpResponse:
    message = _("Please check the highlighted fields. Nothing was changed.")
    return _detail(request, workspace, meter_id, status=422, error=message, **bound)


@access(roles=STAFF, tenant_kwarg="tenant_id")
@require_http_methods(["POST"])
def meter_valve_view(request: HttpRequest, tenant_id: int, meter_id: int) -> HttpResponse:
    """Ask the valve to open or close, with a reason (audited by the meters service)."""
    workspace = ops_workspace_get(tenant_id=tenant_id)
    form = ValveForm(request.POST)
    if not form.is_valid():
        return _invalid(request, workspace, meter_id, valve_form=form)
    try:
        command = meter_services.valve_request(
            actor=_user(request),
            tenant_id=tenant_id,
            meter_id=meter_id,
            action=form.cleaned_data["action"],
            reason=form.cleaned_data["reason"].strip(),
        )
    except ApplicationError as exc:
        return _refused(request, workspace, meter_id, exc, valve_form=form)
    messages.success(
        request,
        _("Valve command queued: %(kind)s. It is sent the next time the meter checks in.")
        % {"kind": command.get_kind_display()},
    )
    return _see_other(_meter_url(tenant_id, meter_id))


@access(roles=STAFF, tenant_kwarg="tenant_id")
@require_http_methods(["POST"])
def meter_topup_view(request: HttpRequest, tenant_id: int, meter_id: int) -> HttpResponse:
    """Record cash taken at the counter: a settled payment, credited at once (audited)."""
    workspace = ops_workspace_get(tenant_id=tenant_id)
    form = CashTopupForm(request.POST)
    if not form.is_valid():
        return _invalid(request, workspace, meter_id, topup_form=form)
    row = ops_meters.ops_meter_get(actor=_user(request), workspace=workspace, meter_id=meter_id)
    try:
        cash_topup_record(
            actor=_user(request),
            meter=row.meter,
            amount_idr=form.cleaned_data["amount_idr"],
            reason=form.cleaned_data["reason"].strip(),
            idempotency_key=form.cleaned_data["idempotency_key"] or None,
        )
    except ApplicationError as exc:
        return _refused(request, workspace, meter_id, exc, topup_form=form)
    messages.success(request, _("Cash top-up recorded and credited to the meter."))
    return _see_other(_meter_url(tenant_id, meter_id))


@access(roles=STAFF, tenant_kwarg="tenant_id")
@require_http_methods(["POST"])
def meter_customer_view(request: HttpRequest, tenant_id: int, meter_id: int) -> HttpResponse:
    """Assign the meter to a customer (by customer number), or unassign it."""
    workspace = ops_workspace_get(tenant_id=tenant_id)
    user = _user(request)
    try:
        if request.POST.get("action") == "unassign":
            meter_services.meter_unassign_customer(
                actor=user, tenant_id=tenant_id, meter_id=meter_id
            )
            messages.success(request, _("The meter no longer serves a customer."))
            return _see_other(_meter_url(tenant_id, meter_id))
        form = AssignForm(request.POST)
        if not form.is_valid():
            return _invalid(request, workspace, meter_id, assign_form=form)
        customer = ops_meters.ops_customer_by_number(
            workspace=workspace, number=form.cleaned_data["customer_number"]
        )
        if customer is None:
            form.add_error(
                "customer_number", _("No customer with this number in your water authority.")
            )
            return _invalid(request, workspace, meter_id, assign_form=form)
        meter_services.meter_assign_customer(
            actor=user, tenant_id=tenant_id, meter_id=meter_id, customer_id=customer.pk
        )
    except ApplicationError as exc:
        return _refused(request, workspace, meter_id, exc)
    messages.success(request, _("The meter now serves %(name)s.") % {"name": customer.full_name})
    return _see_other(_meter_url(tenant_id, meter_id))


@access(roles=ADMINS, tenant_kwarg="tenant_id")
@require_http_methods(["POST"])
def meter_replace_view(request: HttpRequest, tenant_id: int, meter_id: int) -> HttpResponse:
    """Swap the meter for a new device (admins): the balance and customer carry over."""
    workspace = ops_workspace_get(tenant_id=tenant_id)
    form = ReplaceForm(request.POST)
    if not form.is_valid():
        return _invalid(request, workspace, meter_id, replace_form=form)
    try:
        new = meter_services.meter_replace(
            actor=_user(request),
            tenant_id=tenant_id,
            meter_id=meter_id,
            new_serial=form.cleaned_data["new_serial"],
            final_register_litres=form.cleaned_data["final_register_litres"],
        )
    except ApplicationError as exc:
        return _refused(request, workspace, meter_id, exc, replace_form=form)
    messages.success(
        request,
        _("Meter replaced. Issue a provisioning token for %(serial)s from its page.")
        % {"serial": new.serial},
    )
    return _see_other(_meter_url(tenant_id, new.pk))


@access(roles=ADMINS, tenant_kwarg="tenant_id")
@require_http_methods(["POST"])
def meter_retire_view(request: HttpRequest, tenant_id: int, meter_id: int) -> HttpResponse:
    """Take the meter out of service (admins); refused while valve commands are pending."""
    workspace = ops_workspace_get(tenant_id=tenant_id)
    try:
        meter_services.meter_retire(actor=_user(request), tenant_id=tenant_id, meter_id=meter_id)
    except ApplicationError as exc:
        return _refused(request, workspace, meter_id, exc)
    messages.success(request, _("The meter is retired."))
    return _see_other(_meter_url(tenant_id, meter_id))


@access(roles=STAFF, tenant_kwarg="tenant_id")
@never_cache
@require_http_methods(["POST"])
def meter_token_view(request: HttpRequest, tenant_id: int, meter_id: int) -> HttpResponse:
    """Issue a new provisioning token for the meter's device, shown once (audited)."""
    workspace = ops_workspace_get(tenant_id=tenant_id)
    row = ops_meters.ops_meter_get(actor=_user(request), workspace=workspace, meter_id=meter_id)
    try:
        issued = provisioning_token_create(
            actor=_user(request), tenant_id=tenant_id, meter_id=meter_id
        )
    except ApplicationError as exc:
        return _refused(request, workspace, meter_id, exc)
    context = {
        **_frame(request, workspace),
        "meter": row.meter,
        "property": row.meter.property,
        "issued": issued,
        "reissued": True,
    }
    return render(request, T + "meter_registered.html", context, status=201)
