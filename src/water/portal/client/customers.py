"""A water authority's customers: the list, registering one, and one customer's page.

The customer page shows the contact data (decrypted for staff), their meters with balances,
the edit form and, for administrators, portal access. Every write goes through the registry
services, which validate NIK and phone numbers and audit the change.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.accounts.permissions import access
from water.errors import Conflict, InvalidTransition, ValidationFailed
from water.meters.selectors import MeterQuery, meter_list_for
from water.portal.client.registry_forms import CustomerForm, PortalAccessForm, put_errors
from water.portal.client.registry_pages import (
    ADMINS,
    STAFF,
    actor_of,
    choice_or_none,
    is_htmx,
    page_of,
    service_errors,
    workspace,
)
from water.registry import selectors
from water.registry.errors import InUse
from water.registry.models import Customer, CustomerClass, CustomerStatus
from water.registry.services import customers as services

FORM_ERRORS = (ValidationFailed, Conflict, InvalidTransition, InUse)
_NIK_QUERY = re.compile(r"^\d{16}$")
SECTION = "customers"


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _detail_url(tenant_id: int, customer_id: int) -> str:
    return reverse(
        "water_portal:client_customer",
        kwargs={"tenant_id": tenant_id, "customer_id": customer_id},
    )


def _customer_rows(request: HttpRequest, tenant_id: int, q: str, filters: dict[str, Any]) -> Any:
    """The customers matching the search: a 16-digit query is an exact NIK (blind index);
    anything else matches a number prefix, the name or the address."""
    nik = q if _NIK_QUERY.match(q) else None
    rows: QuerySet[Customer] = selectors.customer_list_for(
        actor=actor_of(request), tenant_id=tenant_id, nik=nik, status=filters["status"]
    )
    if q and nik is None:
        rows = rows.filter(
            Q(customer_number__istartswith=q) | Q(full_name__icontains=q) | Q(address__icontains=q)
        )
    if filters["customer_class"]:
        rows = rows.filter(customer_class=filters["customer_class"])
    return rows.annotate(
        meter_count=Count("meters", distinct=True),
        balance_idr=Sum("meters__account__balance_idr"),
    )


@access(roles=STAFF, tenant_kwarg="tenant_id")
@require_http_methods(["GET"])
def customer_list_view(request: HttpRequest, tenant_id: int) -> HttpResponse:
    """The customers, searched by name, number, NIK or address and filtered by class/status."""
    space = workspace(request, tenant_id, SECTION)
    q = request.GET.get("q", "").strip()[:100]
    filters = {
        "customer_class": choice_or_none(request.GET.get("class"), CustomerClass.values),
        "status": choice_or_none(request.GET.get("status"), CustomerStatus.values),
    }
    page = page_of(request, _customer_rows(request, tenant_id, q, filters))
    context = {
        **space.context,
        "page": page,
        "q": q,
        "filters": filters,
        "filtered": bool(q or any(filters.values())),
        "classes": CustomerClass.choices,
        "statuses": CustomerStatus.choices,
    }
    return render(request, "water_portal/client/customers.html", context)


@access(roles=STAFF, tenant_kwarg="tenant_id")
@require_http_methods(["GET", "POST"])
def customer_new_view(request: HttpRequest, tenant_id: int) -> HttpResponse:
    """Register a customer; on an error the form comes back with the message, nothing stored."""
    space = workspace(request, tenant_id, SECTION)
    form = CustomerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                customer = services.customer_create(
                    actor=actor_of(request), tenant_id=tenant_id, **form.cleaned_data
                )
            except FORM_ERRORS as exc:
                put_errors(form, service_errors(exc))
            else:
                return _see_other(_detail_url(tenant_id, customer.pk) + "?created=1")
    context = {**space.context, "form": form}
    return render(request, "water_portal/client/customer_new.html", context, status=status)


def _detail(
    request: HttpRequest,
    tenant_id: int,
    customer: Customer,
    *,
    form: CustomerForm | None = None,
    access_form: PortalAccessForm | None = None,
    delete_error: str = "",
    status: int = 200,
) -> HttpResponse:
    space = workspace(request, tenant_id, SECTION)
    user = actor_of(request)
    meters = meter_list_for(
        actor=user, tenant_id=tenant_id, query=MeterQuery(customer_id=customer.pk)
    )
    initial = {name: getattr(customer, name) for name in CustomerForm.base_fields}
    context = {
        **space.context,
        "customer": customer,
        "meters": list(meters),
        "form": form or CustomerForm(initial=initial),
        "access_form": access_form or PortalAccessForm(initial={"email": customer.email}),
        "portal_user": customer.user,
        "created": request.GET.get("created") == "1",
        "saved": request.GET.get("saved") or "",
        "delete_error": delete_error,
    }
    return render(request, "water_portal/client/customer.html", context, status=status)


def _meters_fragment(request: HttpRequest, tenant_id: int, customer: Customer) -> HttpResponse:
    """The meters-and-balances card alone, refreshed when a balance or valve changes."""
    space = workspace(request, tenant_id, SECTION)
    query = MeterQuery(customer_id=customer.pk)
    meters = meter_list_for(actor=actor_of(request), tenant_id=tenant_id, query=query)
    context = {**space.context, "customer": customer, "meters": list(meters)}
    return render(request, "water_portal/client/customer_meters.html", context)


@access(roles=STAFF, tenant_kwarg="tenant_id")
@require_http_methods(["GET", "POST"])
def customer_view(request: HttpRequest, tenant_id: int, customer_id: int) -> HttpResponse:
    """One customer: contact data, meters and balances, portal access; POST saves the edit."""
    user = actor_of(request)
    customer = selectors.customer_get_for(actor=user, tenant_id=tenant_id, customer_id=customer_id)
    if request.method != "POST" and is_htmx(request):
        return _meters_fragment(request, tenant_id, customer)
    if request.method != "POST":
        return _detail(request, tenant_id, customer)
    form = CustomerForm(request.POST)
    if form.is_valid():
        try:
            services.customer_update(
                actor=user, tenant_id=tenant_id, customer_id=customer.pk, changes=form.cleaned_data
            )
        except FORM_ERRORS as exc:
            put_errors(form, service_errors(exc))
        else:
            return _see_other(_detail_url(tenant_id, customer.pk) + "?saved=details")
    customer.refresh_from_db()
    return _detail(request, tenant_id, customer, form=form, status=422)


@access(roles=ADMINS, tenant_kwarg="tenant_id")
@require_http_methods(["POST"])
def customer_access_view(request: HttpRequest, tenant_id: int, customer_id: int) -> HttpResponse:
    """Give the customer a portal account (an existing one by email, or an invitation)."""
    user = actor_of(request)
    customer = selectors.customer_get_for(actor=user, tenant_id=tenant_id, customer_id=customer_id)
    form = PortalAccessForm(request.POST)
    if form.is_valid():
        try:
            services.customer_portal_access_grant(
                actor=user,
                tenant_id=tenant_id,
                customer_id=customer.pk,
                email=form.cleaned_data["email"],
            )
        except FORM_ERRORS as exc:
            put_errors(form, service_errors(exc))
        else:
            return _see_other(_detail_url(tenant_id, customer.pk) + "?saved=access")
    return _detail(request, tenant_id, customer, access_form=form, status=422)


@access(roles=ADMINS, tenant_kwarg="tenant_id")
@require_http_methods(["POST"])
def customer_delete_view(request: HttpRequest, tenant_id: int, customer_id: int) -> HttpResponse:
    """Remove a customer who has no meter; otherwise the page explains why not."""
    user = actor_of(request)
    customer = selectors.customer_get_for(actor=user, tenant_id=tenant_id, customer_id=customer_id)
    try:
        services.customer_delete(actor=user, tenant_id=tenant_id, customer_id=customer.pk)
    except FORM_ERRORS as exc:
        return _detail(request, tenant_id, customer, delete_error=exc.message, status=409)
    return _see_other(
        reverse("water_portal:client_customers", kwargs={"tenant_id": tenant_id}) + "?deleted=1"
    )
