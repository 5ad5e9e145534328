"""The property verification queue and a property's review: documents, history, decision."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.accounts.permissions import access
from core.accounts.roles import Role
from core.errors import ApplicationError
from water.portal.platform import selectors
from water.portal.platform._common import actor, frame, page_of
from water.portal.platform.forms import ReviewForm, errors_from
from water.registry.models import Client, VerificationStatus
from water.registry.services.verification import property_verification_transition

PER_PAGE = 25
DONE = {
    "start_review": _(
        "Review started. Check the documents, then approve, ask for changes or reject."
    ),
    "approve": _("The property was approved. Meters can now be installed there."),
    "request_update": _("The client's staff were asked for changes."),
    "reject": _("The property was rejected."),
}


def _tenant_filter(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@access(roles={Role.SUPERADMIN})
@never_cache
@require_http_methods(["GET"])
def verification_view(request: HttpRequest) -> HttpResponse:
    """Properties awaiting the platform, the longest waiting first, filtered by client."""
    tenant_id = _tenant_filter(request.GET.get("tenant"))
    queue = selectors.verification_queue(actor=actor(request), tenant_id=tenant_id)
    clients = Client.objects.select_related("tenant").order_by("tenant__name", "pk")
    context = frame(
        request,
        "verification",
        page=page_of(request, queue, PER_PAGE),
        clients=list(clients),
        tenant_id=tenant_id,
        statuses=dict(VerificationStatus.choices),
    )
    return render(request, "water_portal/platform/verification.html", context)


@access(roles={Role.SUPERADMIN})
@never_cache
@require_http_methods(["GET", "POST"])
def property_view(request: HttpRequest, property_id: int) -> HttpResponse:
    """One property's documents and history; POST applies a review step (audited)."""
    user = actor(request)
    review = selectors.property_review_get(actor=user, property_id=property_id)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    code = 200
    if request.method == "POST":
        if form.is_valid():
            step = form.cleaned_data["action"]
            try:
                property_verification_transition(
                    actor=user,
                    tenant_id=review.property.tenant_id,
                    property_id=property_id,
                    action=step,
                    notes=form.cleaned_data["notes"],
                )
            except ApplicationError as exc:
                errors_from(form, exc)
                code = exc.status
            else:
                messages.success(request, str(DONE[step]))
                url = reverse("water_portal:platform_property", args=[property_id])
                response = HttpResponseRedirect(url)
                response.status_code = 303
                return response
        else:
            code = 422
        review = selectors.property_review_get(actor=user, property_id=property_id)
    labels = dict(VerificationStatus.choices)
    for event in review.events:
        event.to_label = labels.get(event.to_status, event.to_status)  # type: ignore[attr-defined]
        event.from_label = labels.get(event.from_status, event.from_status)  # type: ignore[attr-defined]
    context = frame(
        request,
        "verification",
        review=review,
        prop=review.property,
        form=form,
        client_tz=review.client.timezone if review.client else "Asia/Jakarta",
    )
    return render(request, "water_portal/platform/property.html", context, status=code)


@access(roles={Role.SUPERADMIN})
@never_cache
@require_http_methods(["GET"])
def document_view(request: HttpRequest, property_id: int, document_id: int) -> FileResponse:
    """A verification document as a download, with the type its content proved at upload."""
    document = selectors.property_document_get(
        actor=actor(request), property_id=property_id, document_id=document_id
    )
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
