"""Payment pages: gateway webhooks, the payer's return, the payment page, the sandbox page.

The webhook and return endpoints are public (gateways and browsers coming back from a
gateway carry no session) and trust nothing but what their adapter verifies. The payment
page shows what the payer needs (QR, VA number, a link to the hosted page) and refreshes
itself on the live `payment.updated` event.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.accounts.models import User
from core.accounts.permissions import access
from core.accounts.views.mfa import qr_svg
from core.errors import NotFound
from core.payments import selectors
from core.payments.gateways.base import GatewayMisconfigured, Inbound
from core.payments.gateways.registry import gateway_class
from core.payments.gateways.sandbox import book
from core.payments.models import OPEN_STATES, PAID_STATES, Payment, State
from core.payments.purposes import purpose_get
from core.payments.services import notification_receive, return_receive
from core.payments.tasks import sandbox_notify
from core.tasks.queue import enqueue_on_commit

MAX_BODY = 256 * 1024


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _inbound(request: HttpRequest) -> Inbound:
    body = request.body[:MAX_BODY]  # read first: parsing the form consumes the stream
    form: dict[str, str] = {}
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = {key: request.POST.get(key, "") for key in request.POST}
    return Inbound(
        method=request.method or "GET",
        path=request.path,
        headers={key.lower(): value for key, value in request.headers.items()},
        body=body,
        query={key: request.GET.get(key, "") for key in request.GET},
        form=form,
    )


@csrf_exempt
@access(public=True)
@require_http_methods(["POST"])
def webhook_view(request: HttpRequest, gateway: str) -> HttpResponse:
    """A gateway's server-to-server notification. Answered only once safely recorded."""
    try:
        gateway_class(gateway)
    except GatewayMisconfigured:
        raise Http404("No such gateway.") from None
    if len(request.body) > MAX_BODY:
        return HttpResponse(b"too large", status=413, content_type="text/plain")
    ack = notification_receive(gateway, _inbound(request))
    return HttpResponse(ack.body, status=ack.status, content_type=ack.content_type)


@csrf_exempt
@access(public=True)
@require_http_methods(["GET", "POST"])
def return_view(request: HttpRequest, reference: str) -> HttpResponse:
    """The payer's browser coming back from the gateway: apply what it proves, then show."""
    payment = Payment.objects.filter(reference=reference).first()
    if payment is None:
        raise Http404("No such payment.")
    if payment.gateway != "cash":
        return_receive(payment, _inbound(request))
    return redirect("payments:detail", reference=reference, permanent=False)


def _context(payment: Payment) -> dict[str, Any]:
    purpose = purpose_get(payment.purpose)
    checkout = payment.checkout or {}
    qr = ""
    if payment.state in OPEN_STATES and checkout.get("qr_string"):
        qr = qr_svg(
            str(checkout["qr_string"]),
            label=_("QRIS code to pay %(reference)s") % {"reference": payment.reference},
        )
    try:
        gateway_label = gateway_class(payment.gateway).label
    except GatewayMisconfigured:
        gateway_label = _("Cash")
    return {
        "payment": payment,
        "purpose_label": purpose.label(payment),
        "back_url": purpose.page_url(payment),
        "checkout": checkout,
        "qr": qr,
        "gateway_label": gateway_label,
        "is_open": payment.state in OPEN_STATES,
        "is_paid": payment.state in PAID_STATES,
        "States": State,
    }


@access(authenticated=True)
@never_cache
@require_http_methods(["GET"])
def detail_view(request: HttpRequest, reference: str) -> HttpResponse:
    """What to pay and how (QR, VA, hosted page), then the result; updates live."""
    try:
        payment = selectors.payment_get_for(actor=_user(request), reference=reference)
    except NotFound:
        raise Http404("No such payment.") from None
    template = (
        "payments/_status.html"
        if request.headers.get("HX-Request") == "true"
        else "payments/detail.html"
    )
    return render(request, template, _context(payment))


@access(authenticated=True)
@never_cache
@require_http_methods(["GET"])
def receipt_view(request: HttpRequest, reference: str) -> HttpResponse:
    """The receipt of a paid payment as a PDF, in the reader's language."""
    from core.payments.receipts import receipt_pdf

    try:
        payment = selectors.payment_get_for(actor=_user(request), reference=reference)
    except NotFound:
        raise Http404("No such payment.") from None
    if payment.state not in PAID_STATES:
        raise Http404("This payment has no receipt.")
    language = getattr(request, "LANGUAGE_CODE", "") or _user(request).language or "id"
    pdf = receipt_pdf(payment, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{payment.reference}.pdf"'
    return response


@access(public=True)
@never_cache
@require_http_methods(["GET", "POST"])
def sandbox_view(request: HttpRequest, reference: str) -> HttpResponse:
    """The sandbox gateway's hosted page: pay, fail or let the payment expire."""
    if not settings.PAYMENTS_SANDBOX:
        raise Http404("The sandbox is switched off.")
    charge = book.charge_get(reference)
    payment = Payment.objects.filter(reference=reference, gateway="sandbox").first()
    if charge is None or payment is None:
        raise Http404("No such sandbox charge.")
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in book.ACTIONS:
            return render(
                request,
                "payments/sandbox.html",
                {"charge": charge, "payment": payment, "error": _("Choose an outcome.")},
                status=422,
            )
        if book.charge_finish(reference, action) is not None:
            enqueue_on_commit(sandbox_notify, reference)
        return redirect(reverse("payments:return", kwargs={"reference": reference}))
    return render(request, "payments/sandbox.html", {"charge": charge, "payment": payment})
