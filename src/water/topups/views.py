"""The customer's top-up page: choose a meter, an amount and a method, see the fee, pay.

The order summary refreshes through htmx as the form changes, and the server computes it
again when the form is posted, so the page is right without JavaScript too. Paying creates
the payment and sends the browser to the payment page, which shows the QR code, the virtual
account or the hosted page and follows the payment live.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.accounts.models import User
from core.accounts.permissions import access
from core.accounts.roles import Role
from core.errors import ApplicationError
from core.payments.errors import GatewayNotConfigured, GatewayUnavailable
from water.topups import fees, selectors, services
from water.topups.forms import TopupChoice, topup_choice_read
from water.topups.selectors import MeterCard

RECENT = 5
DEFAULT_AMOUNT = "50000"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _method_label(method: str) -> str:
    rule = fees.method_fee(method)
    return str(rule.label) if rule is not None else _("Cash") if method == "cash" else method


def _selected(cards: list[MeterCard], wanted: str | None) -> MeterCard:
    for card in cards:
        if wanted and str(card.meter.pk) == wanted:
            return card
    return cards[0]


def _page(
    request: HttpRequest,
    cards: list[MeterCard],
    card: MeterCard,
    choice: TopupChoice,
    *,
    show_errors: bool,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    options = services.topup_options_for(actor=user, meter=card.meter)
    recent = [
        (payment, _method_label(payment.method))
        for payment in selectors.topup_list_for_meter(actor=user, meter=card.meter)[:RECENT]
    ]
    context: dict[str, Any] = {
        "cards": cards,
        "card": card,
        "options": options,
        "multi_gateway": len({m.gateway for m in options.methods}) > 1,
        "choice": choice,
        "errors": choice.errors if show_errors else {},
        "error": error,
        "recent": recent,
        "idempotency_key": request.POST.get("idempotency_key") or secrets.token_urlsafe(18),
    }
    return render(request, "water_topups/topup.html", context, status=status)


@access(roles={Role.CUSTOMER})
@never_cache
@require_http_methods(["GET", "POST"])
def topup_view(request: HttpRequest) -> HttpResponse:
    """Top up one of my meters; POST starts the payment and redirects to its page (303)."""
    user = _user(request)
    cards = selectors.customer_meters_for(actor=user)
    if not cards:
        return render(request, "water_topups/empty.html")
    card = _selected(cards, request.POST.get("meter") or request.GET.get("meter"))
    options = services.topup_options_for(actor=user, meter=card.meter)
    if request.method != "POST":
        choice = topup_choice_read({"amount": DEFAULT_AMOUNT}, options)
        return _page(request, cards, card, choice, show_errors=False)
    choice = topup_choice_read(request.POST, options)
    reviewing = request.POST.get("action") == "review"
    if choice.errors or reviewing or choice.amount_idr is None or choice.method is None:
        status = 422 if choice.errors else 200
        return _page(request, cards, card, choice, show_errors=True, status=status)
    try:
        payment = services.topup_start(
            actor=user,
            meter=card.meter,
            amount_idr=choice.amount_idr,
            gateway=choice.method.gateway,
            method=choice.method.method,
            idempotency_key=request.POST.get("idempotency_key", "")[:64] or None,
        )
    except (GatewayUnavailable, GatewayNotConfigured) as exc:
        return _page(request, cards, card, choice, show_errors=True, error=exc.message, status=502)
    except ApplicationError as exc:
        field = str(exc.extra.get("field", ""))
        choice.errors["amount" if field.startswith("amount") else "method"] = exc.message
        return _page(request, cards, card, choice, show_errors=True, status=exc.status)
    response = HttpResponseRedirect(f"/payments/{payment.reference}/")
    response.status_code = 303
    return response


@access(roles={Role.CUSTOMER})
@never_cache
@require_http_methods(["GET"])
def summary_view(request: HttpRequest) -> HttpResponse:
    """The order summary (amount, fee, total) for the form's current values (htmx)."""
    user = _user(request)
    cards = selectors.customer_meters_for(actor=user)
    if not cards:
        return HttpResponse("")
    card = _selected(cards, request.GET.get("meter"))
    options = services.topup_options_for(actor=user, meter=card.meter)
    choice = topup_choice_read(request.GET, options)
    return render(request, "water_topups/_summary.html", {"choice": choice, "card": card})


@access(roles={Role.CUSTOMER})
@never_cache
@require_http_methods(["GET"])
def balance_view(request: HttpRequest, meter_id: int) -> HttpResponse:
    """One of my meters' balance card (refreshed on the live `water.balance` event)."""
    card = selectors.customer_meter_card_for(actor=_user(request), meter_id=meter_id)
    return render(request, "water_topups/_balance.html", {"card": card})
