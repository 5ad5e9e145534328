"""A water authority's block tariffs: the list, one tariff, creating and amending, and a
price calculator.

Staff read tariffs and use the calculator; administrators create, amend and delete them.
The tariff services decide what may change: a tariff in force may only be renamed or given
an end date, and only one that has not started may be deleted.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.accounts.permissions import access
from water.errors import Conflict, InvalidTransition, ValidationFailed
from water.portal.client.registry_forms import (
    CalculatorForm,
    TariffForm,
    TariffInForceForm,
    block_formset,
    blocks_of,
    put_errors,
    with_one_more_block,
)
from water.portal.client.registry_pages import (
    ADMINS,
    STAFF,
    Workspace,
    actor_of,
    choice_or_none,
    is_htmx,
    m3,
    page_of,
    workspace,
)
from water.registry.models import CustomerClass
from water.tariffs import selectors, services
from water.tariffs.models import Tariff
from water.tariffs.pricing import month_price, round_half_up, volume_breakdown

FORM_ERRORS = (ValidationFailed, Conflict, InvalidTransition)
SECTION = "tariffs"
IN_FORCE, UPCOMING, ENDED = "in_force", "upcoming", "ended"


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _detail_url(tenant_id: int, tariff_id: int) -> str:
    return reverse(
        "water_portal:client_tariff", kwargs={"tenant_id": tenant_id, "tariff_id": tariff_id}
    )


def tariff_state(tariff: Tariff, today: Any) -> str:
    """Whether the tariff is in force, still to come, or over, on the client's today."""
    if tariff.effective_from > today:
        return UPCOMING
    if tariff.effective_to is not None and tariff.effective_to < today:
        return ENDED
    return IN_FORCE


def block_rows(tariff: Tariff) -> list[dict[str, Any]]:
    """The tariff's blocks with their bounds in m³ (blocks are prefetched in order)."""
    return [
        {
            "from_litres": b.from_litres,
            "to_litres": b.to_litres,
            "from_m3": m3(b.from_litres),
            "to_m3": m3(b.to_litres),
            "price_per_m3_idr": b.price_per_m3_idr,
        }
        for b in tariff.blocks.all()
    ]


def _error_messages(exc: ValidationFailed | Conflict | InvalidTransition) -> list[str]:
    problems = exc.extra.get("problems")
    return [str(p) for p in problems] if problems else [exc.message]


@access(roles=STAFF, tenant_kwarg="tenant_id")
@require_http_methods(["GET"])
def tariff_list_view(request: HttpRequest, tenant_id: int) -> HttpResponse:
    """The tariffs by class, newest first, filtered by class and by in force / upcoming / ended."""
    space = workspace(request, tenant_id, SECTION)
    customer_class = choice_or_none(request.GET.get("class"), CustomerClass.values)
    state = choice_or_none(request.GET.get("state"), [IN_FORCE, UPCOMING, ENDED])
    rows = selectors.tariff_list_for(
        actor=actor_of(request), tenant_id=tenant_id, customer_class=customer_class
    )
    today = space.today
    if state == IN_FORCE:
        rows = rows.filter(effective_from__lte=today).exclude(effective_to__lt=today)
    elif state == UPCOMING:
        rows = rows.filter(effective_from__gt=today)
    elif state == ENDED:
        rows = rows.filter(effective_to__lt=today)
    page = page_of(request, rows)
    context = {
        **space.context,
        "page": page,
        "rows": [(t, tariff_state(t, today), block_rows(t)) for t in page.object_list],
        "filters": {"customer_class": customer_class, "state": state},
        "filtered": bool(customer_class or state),
        "classes": CustomerClass.choices,
        "today": today,
    }
    return render(request, "water_portal/client/tariffs.html", context)


def _form_page(
    request: HttpRequest,
    space: Workspace,
    *,
    form: Any,
    blocks: Any,
    tariff: Tariff | None,
    errors: list[str],
    status: int,
) -> HttpResponse:
    context = {
        **space.context,
        "form": form,
        "blocks": blocks,
        "tariff": tariff,
        "errors": errors,
    }
    return render(request, "water_portal/client/tariff_form.html", context, status=status)


def _tariff_data(form: TariffForm, blocks: Any) -> services.TariffData:
    data = form.cleaned_data
    return services.TariffData(
        name=data["name"],
        customer_class=data["customer_class"],
        effective_from=data["effective_from"],
        effective_to=data["effective_to"],
        fixed_monthly_charge_idr=data["fixed_monthly_charge_idr"],
        minimum_charge_idr=data["minimum_charge_idr"],
        blocks=blocks_of(blocks),
    )


@access(roles=ADMINS, tenant_kwarg="tenant_id")
@require_http_methods(["GET", "POST"])
def tariff_new_view(request: HttpRequest, tenant_id: int) -> HttpResponse:
    """Create a block tariff (administrators); refused input is shown and nothing stored."""
    space = workspace(request, tenant_id, SECTION)
    if request.method != "POST":
        form = TariffForm(initial={"effective_from": space.today})
        blocks = block_formset(blocks=[])
        return _form_page(
            request, space, form=form, blocks=blocks, tariff=None, errors=[], status=200
        )
    if "add_block" in request.POST:
        data = with_one_more_block(request.POST)
        form, blocks = TariffForm(data), block_formset(data)
        return _form_page(
            request, space, form=form, blocks=blocks, tariff=None, errors=[], status=200
        )
    form, blocks = TariffForm(request.POST), block_formset(request.POST)
    errors: list[str] = []
    if form.is_valid() and blocks.is_valid():
        try:
            tariff = services.tariff_create(
                actor=actor_of(request), tenant_id=tenant_id, data=_tariff_data(form, blocks)
            )
        except FORM_ERRORS as exc:
            errors = _error_messages(exc)
        else:
            return _see_other(_detail_url(tenant_id, tariff.pk) + "?saved=created")
    return _form_page(
        request, space, form=form, blocks=blocks, tariff=None, errors=errors, status=422
    )


@access(roles=STAFF, tenant_kwarg="tenant_id")
@require_http_methods(["GET"])
def tariff_view(request: HttpRequest, tenant_id: int, tariff_id: int) -> HttpResponse:
    """One tariff with its blocks, its state and a calculator priced under it."""
    space = workspace(request, tenant_id, SECTION)
    tariff = selectors.tariff_get_for(
        actor=actor_of(request), tenant_id=tenant_id, tariff_id=tariff_id
    )
    state = tariff_state(tariff, space.today)
    calculator = CalculatorForm(initial={"customer_class": tariff.customer_class})
    context = {
        **space.context,
        "tariff": tariff,
        "blocks": block_rows(tariff),
        "state": state,
        "calculator": calculator,
        "quote": _quote(tariff, 15_000),
        "saved": request.GET.get("saved") or "",
        "delete_error": "",
    }
    return render(request, "water_portal/client/tariff.html", context)


@access(roles=ADMINS, tenant_kwarg="tenant_id")
@require_http_methods(["GET", "POST"])
def tariff_edit_view(request: HttpRequest, tenant_id: int, tariff_id: int) -> HttpResponse:
    """Amend a tariff: all of it before it starts; only name and end date once in force."""
    space = workspace(request, tenant_id, SECTION)
    tariff = selectors.tariff_get_for(
        actor=actor_of(request), tenant_id=tenant_id, tariff_id=tariff_id
    )
    in_force = tariff.effective_from <= space.today
    fields = TariffInForceForm if in_force else TariffForm
    initial = {name: getattr(tariff, name) for name in fields.base_fields}
    current = list(tariff.blocks.all())
    if request.method != "POST":
        blocks = None if in_force else block_formset(blocks=current)
        return _form_page(
            request,
            space,
            form=fields(initial=initial),
            blocks=blocks,
            tariff=tariff,
            errors=[],
            status=200,
        )
    data = with_one_more_block(request.POST) if "add_block" in request.POST else request.POST
    form = fields(data)
    blocks = None if in_force else block_formset(data)
    if "add_block" in request.POST:
        return _form_page(
            request, space, form=form, blocks=blocks, tariff=tariff, errors=[], status=200
        )
    errors: list[str] = []
    if form.is_valid() and (blocks is None or blocks.is_valid()):
        changes = dict(form.cleaned_data)
        if blocks is not None:
            changes["blocks"] = blocks_of(blocks)
        try:
            services.tariff_update(
                actor=actor_of(request), tenant_id=tenant_id, tariff_id=tariff.pk, changes=changes
            )
        except FORM_ERRORS as exc:
            field = str(exc.extra.get("field", ""))
            if field in form.fields:
                put_errors(form, {field: exc.message})
            else:
                errors = _error_messages(exc)
        else:
            return _see_other(_detail_url(tenant_id, tariff.pk) + "?saved=updated")
    return _form_page(
        request, space, form=form, blocks=blocks, tariff=tariff, errors=errors, status=422
    )


@access(roles=ADMINS, tenant_kwarg="tenant_id")
@require_http_methods(["POST"])
def tariff_delete_view(request: HttpRequest, tenant_id: int, tariff_id: int) -> HttpResponse:
    """Delete a tariff that has not started; one in force must be given an end date."""
    space = workspace(request, tenant_id, SECTION)
    user = actor_of(request)
    tariff = selectors.tariff_get_for(actor=user, tenant_id=tenant_id, tariff_id=tariff_id)
    try:
        services.tariff_delete(actor=user, tenant_id=tenant_id, tariff_id=tariff.pk)
    except FORM_ERRORS as exc:
        context = {
            **space.context,
            "tariff": tariff,
            "blocks": block_rows(tariff),
            "state": tariff_state(tariff, space.today),
            "calculator": CalculatorForm(initial={"customer_class": tariff.customer_class}),
            "quote": _quote(tariff, 15_000),
            "saved": "",
            "delete_error": exc.message,
        }
        return render(request, "water_portal/client/tariff.html", context, status=409)
    return _see_other(
        reverse("water_portal:client_tariffs", kwargs={"tenant_id": tenant_id}) + "?deleted=1"
    )


def _quote(tariff: Tariff | None, litres: int) -> dict[str, Any] | None:
    """The month's price of `litres` under `tariff`, block by block (whole Rupiah)."""
    if tariff is None:
        return None
    blocks = list(tariff.blocks.all())
    consumption = month_price(blocks, litres)
    topup = max(0, tariff.minimum_charge_idr - consumption)
    return {
        "tariff": tariff,
        "litres": litres,
        "m3": m3(litres),
        "parts": [
            {
                "from_m3": m3(part.from_litres),
                "to_m3": m3(part.to_litres),
                "price_per_m3_idr": part.price_per_m3_idr,
                "litres": part.litres,
                "m3": m3(part.litres),
                "amount_idr": round_half_up(part.amount),
            }
            for part in volume_breakdown(blocks, litres)
        ],
        "consumption_idr": consumption,
        "minimum_topup_idr": topup,
        "fixed_monthly_charge_idr": tariff.fixed_monthly_charge_idr,
        "total_idr": consumption + topup + tariff.fixed_monthly_charge_idr,
    }


@access(roles=STAFF, tenant_kwarg="tenant_id")
@require_http_methods(["GET"])
def tariff_calculator_view(request: HttpRequest, tenant_id: int) -> HttpResponse:
    """The month's price of a volume for a customer class, under the tariff in force today
    (or the tariff named by `tariff`); htmx receives the result alone."""
    space = workspace(request, tenant_id, SECTION)
    user = actor_of(request)
    form = CalculatorForm(request.GET or None)
    quote = None
    tariff: Tariff | None = None
    if form.is_valid():
        wanted = request.GET.get("tariff", "")
        if wanted.isdigit():
            tariff = selectors.tariff_get_for(
                actor=user, tenant_id=tenant_id, tariff_id=int(wanted)
            )
        else:
            customer_class = form.cleaned_data["customer_class"] or CustomerClass.RESIDENTIAL
            tariff = selectors.tariff_for(tenant_id, customer_class, space.today)
        quote = _quote(tariff, form.cleaned_data["litres"])
    context = {
        **space.context,
        "calculator": form if request.GET else CalculatorForm(),
        "quote": quote,
        "asked": form.is_bound and form.is_valid(),
        "chosen_tariff": tariff,
    }
    template = "tariff_quote" if is_htmx(request) else "tariff_calculator"
    return render(request, f"water_portal/client/{template}.html", context)
