"""A water authority's properties: the list, registering one, and one property's page.

The property page carries the edit form, the verification documents (uploaded through the
documents service, which enforces type and size) and the verification status with its
history. The platform reviews; the client's staff resubmit a rejected or returned property.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.accounts.permissions import access
from water.errors import Conflict, InvalidTransition, ValidationFailed
from water.meters.selectors import MeterQuery, meter_list_for
from water.portal.client.registry_forms import DocumentForm, PropertyForm, ResubmitForm, put_errors
from water.portal.client.registry_pages import (
    STAFF,
    actor_of,
    choice_or_none,
    page_of,
    service_errors,
    workspace,
)
from water.registry import selectors
from water.registry.errors import InUse
from water.registry.models import Property, PropertyType, VerificationStatus
from water.registry.services import documents as document_services
from water.registry.services import properties as services
from water.registry.services.verification import (
    RESUBMIT,
    TRANSITIONS,
    property_verification_transition,
)
from water.registry.validators import MAX_DOCUMENT_BYTES

FORM_ERRORS = (ValidationFailed, Conflict, InvalidTransition, InUse)
SECTION = "properties"


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _detail_url(tenant_id: int, property_id: int) -> str:
    return reverse(
        "water_portal:client_property",
        kwargs={"tenant_id": tenant_id, "property_id": property_id},
    )


@access(roles=STAFF, tenant_kwarg="tenant_id")
@require_http_methods(["GET"])
def property_list_view(request: HttpRequest, tenant_id: int) -> HttpResponse:
    """The properties, searched by code, name or address, filtered by status and type."""
    space = workspace(request, tenant_id, SECTION)
    q = request.GET.get("q", "").strip()[:100]
    filters = {
        "status": choice_or_none(request.GET.get("status"), VerificationStatus.values),
        "type": choice_or_none(request.GET.get("type"), PropertyType.values),
    }
    rows = selectors.property_list_for(
        actor=actor_of(request), tenant_id=tenant_id, status=filters["status"]
    )
    if q:
        rows = rows.filter(
            Q(code__istartswith=q)
            | Q(name__icontains=q)
            | Q(address__icontains=q)
            | Q(city__icontains=q)
        )
    if filters["type"]:
        rows = rows.filter(property_type=filters["type"])
    rows = rows.annotate(
        meter_count=Count("meters", distinct=True), document_count=Count("documents", distinct=True)
    )
    context = {
        **space.context,
        "page": page_of(request, rows),
        "q": q,
        "filters": filters,
        "filtered": bool(q or any(filters.values())),
        "statuses": VerificationStatus.choices,
        "types": PropertyType.choices,
    }
    return render(request, "water_portal/client/properties.html", context)


@access(roles=STAFF, tenant_kwarg="tenant_id")
@require_http_methods(["GET", "POST"])
def property_new_view(request: HttpRequest, tenant_id: int) -> HttpResponse:
    """Register a property (it starts pending verification); errors change nothing."""
    space = workspace(request, tenant_id, SECTION)
    form = PropertyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                prop = services.property_create(
                    actor=actor_of(request), tenant_id=tenant_id, **form.cleaned_data
                )
            except FORM_ERRORS as exc:
                put_errors(form, service_errors(exc))
            else:
                return _see_other(_detail_url(tenant_id, prop.pk) + "?created=1")
    context = {**space.context, "form": form}
    return render(request, "water_portal/client/property_new.html", context, status=status)


def _detail(
    request: HttpRequest,
    tenant_id: int,
    prop: Property,
    *,
    form: PropertyForm | None = None,
    document_form: DocumentForm | None = None,
    resubmit_form: ResubmitForm | None = None,
    status: int = 200,
) -> HttpResponse:
    space = workspace(request, tenant_id, SECTION)
    user = actor_of(request)
    documents = selectors.property_document_list_for(
        actor=user, tenant_id=tenant_id, property_id=prop.pk
    ).select_related("uploaded_by")
    events = selectors.property_event_list_for(actor=user, tenant_id=tenant_id, property_id=prop.pk)
    meters = meter_list_for(actor=user, tenant_id=tenant_id, query=MeterQuery(property_id=prop.pk))
    initial = {name: getattr(prop, name) for name in PropertyForm.base_fields}
    context: dict[str, Any] = {
        **space.context,
        "property": prop,
        "documents": list(documents),
        "events": list(reversed(list(events))),
        "meters": list(meters),
        "form": form or PropertyForm(initial=initial),
        "document_form": document_form or DocumentForm(),
        "resubmit_form": resubmit_form or ResubmitForm(),
        "documents_open": prop.verification_status != VerificationStatus.APPROVED,
        "can_resubmit": (prop.verification_status, RESUBMIT) in TRANSITIONS,
        "max_mb": MAX_DOCUMENT_BYTES // (1024 * 1024),
        "created": request.GET.get("created") == "1",
        "saved": request.GET.get("saved") or "",
    }
    return render(request, "water_portal/client/property.html", context, status=status)


def _property(request: HttpRequest, tenant_id: int, property_id: int) -> Property:
    return selectors.property_get_for(
        actor=actor_of(request), tenant_id=tenant_id, property_id=property_id
    )


@access(roles=STAFF, tenant_kwarg="tenant_id")
@require_http_methods(["GET", "POST"])
def property_view(request: HttpRequest, tenant_id: int, property_id: int) -> HttpResponse:
    """One property: details, documents, verification and history; POST saves the edit."""
    prop = _property(request, tenant_id, property_id)
    if request.method != "POST":
        return _detail(request, tenant_id, prop)
    form = PropertyForm(request.POST)
    if form.is_valid():
        try:
            services.property_update(
                actor=actor_of(request),
                tenant_id=tenant_id,
                property_id=prop.pk,
                changes=form.cleaned_data,
            )
        except FORM_ERRORS as exc:
            put_errors(form, service_errors(exc))
        else:
            return _see_other(_detail_url(tenant_id, prop.pk) + "?saved=details")
    prop.refresh_from_db()
    return _detail(request, tenant_id, prop, form=form, status=422)


@access(roles=STAFF, tenant_kwarg="tenant_id")
@require_http_methods(["POST"])
def property_document_view(request: HttpRequest, tenant_id: int, property_id: int) -> HttpResponse:
    """Upload a verification document (PDF, JPEG or PNG up to 5 MB, while not approved)."""
    prop = _property(request, tenant_id, property_id)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document_services.property_document_upload(
                actor=actor_of(request),
                tenant_id=tenant_id,
                property_id=prop.pk,
                document_type=form.cleaned_data["document_type"],
                upload=form.cleaned_data["file"],
            )
        except FORM_ERRORS as exc:
            put_errors(form, service_errors(exc))
        else:
            return _see_other(_detail_url(tenant_id, prop.pk) + "?saved=document#documents")
    return _detail(request, tenant_id, prop, document_form=form, status=422)


@access(roles=STAFF, tenant_kwarg="tenant_id")
@require_http_methods(["POST"])
def property_resubmit_view(request: HttpRequest, tenant_id: int, property_id: int) -> HttpResponse:
    """Send a rejected or returned property back for verification."""
    prop = _property(request, tenant_id, property_id)
    form = ResubmitForm(request.POST)
    if form.is_valid():
        try:
            property_verification_transition(
                actor=actor_of(request),
                tenant_id=tenant_id,
                property_id=prop.pk,
                action=RESUBMIT,
                notes=form.cleaned_data["notes"],
            )
        except FORM_ERRORS as exc:
            put_errors(form, service_errors(exc))
        else:
            return _see_other(_detail_url(tenant_id, prop.pk) + "?saved=resubmitted#verification")
    return _detail(request, tenant_id, prop, resubmit_form=form, status=409)
