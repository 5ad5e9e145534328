"""The customer's workspace: my meters at a glance, my water use over time, my payments.

Pages refresh their live parts through htmx: the same view answers the fragment when the
request comes from htmx (``HX-Request: true``).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.accounts.models import User
from core.accounts.permissions import access
from core.accounts.roles import Role
from core.errors import NotFound
from water.portal.customer import reports, selectors
from water.portal.shell import CUSTOMER, shell
from water.topups import fees

PER_PAGE = 25
CUSTOMER_ONLY = {Role.CUSTOMER}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@access(roles=CUSTOMER_ONLY)
@never_cache
@require_http_methods(["GET"])
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """My meters: balance, valve, days of water left, this month and the tariff block."""
    user = _user(request)
    cards = selectors.customer_overview_for(actor=user)
    context: dict[str, Any] = {"cards": cards}
    if _htmx(request):
        return render(request, "water_portal/customer/_cards.html", context)
    context.update(shell(user, area=CUSTOMER, section="dashboard"))
    return render(request, "water_portal/customer/dashboard.html", context)


def _usage_context(request: HttpRequest) -> dict[str, Any] | None:
    user = _user(request)
    meters = selectors.customer_meters_for(actor=user)
    if not meters:
        return None
    wanted = _int(request.GET.get("meter"))
    meter = next((m for m in meters if m.pk == wanted), None) if wanted else meters[0]
    if meter is None:
        raise NotFound("Meter not found.")
    zone = selectors.customer_timezone_for(meters=[meter])
    today = timezone.now().astimezone(ZoneInfo(zone)).date()
    query, error = reports.usage_query_read(request.GET, today=today)
    report = reports.usage_report_for(meter_id=meter.pk, query=query)
    return {"meters": meters, "meter": meter, "query": query, "error": error, "report": report}


@access(roles=CUSTOMER_ONLY)
@never_cache
@require_http_methods(["GET"])
def usage_view(request: HttpRequest) -> HttpResponse:
    """My water use per day, week or month, with totals and the previous period."""
    context = _usage_context(request) or {"meters": []}
    context.update(shell(_user(request), area=CUSTOMER, section="usage"))
    if context["meters"]:
        report = context["report"]
        context["chart"] = {
            "labels": [row.label for row in report.rows],
            "litres": [row.bucket.litres for row in report.rows],
        }
    status = 400 if context.get("error") else 200
    return render(request, "water_portal/customer/usage.html", context, status=status)


@access(roles=CUSTOMER_ONLY)
@never_cache
@require_http_methods(["GET"])
def usage_csv_view(request: HttpRequest) -> HttpResponse:
    """The usage table as CSV, with the same filters as the page."""
    context = _usage_context(request)
    if context is None:
        raise Http404("No meter.")
    if context["error"]:
        return HttpResponse(context["error"], status=400, content_type="text/plain; charset=utf-8")
    query = context["query"]
    name = f"usage-{context['meter'].serial}-{query.date_from}-{query.date_to}.csv"
    response = HttpResponse(reports.usage_csv(context["report"]), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _method_label(method: str) -> str:
    rule = fees.method_fee(method)
    return str(rule.label) if rule is not None else method.replace("_", " ").upper()


@access(roles=CUSTOMER_ONLY)
@never_cache
@require_http_methods(["GET"])
def payments_view(request: HttpRequest) -> HttpResponse:
    """My payments, newest first: search by reference, filter by state and meter."""
    user = _user(request)
    meters = selectors.customer_meters_for(actor=user)
    state = request.GET.get("state", "")
    meter_id = _int(request.GET.get("meter"))
    search = request.GET.get("q", "").strip()[:64]
    payments = selectors.customer_payment_list_for(
        actor=user, state=state, meter_id=meter_id, search=search
    )
    page = Paginator(payments, PER_PAGE).get_page(request.GET.get("page"))
    serials = {str(m.pk): m.serial for m in meters}
    rows = [
        (
            p,
            serials.get(p.purpose_ref, "") if p.purpose == "water.topup" else "",
            _method_label(p.method),
        )
        for p in page.object_list
    ]
    params = request.GET.copy()
    params.pop("page", None)
    context: dict[str, Any] = {
        **shell(user, area=CUSTOMER, section="payments"),
        "meters": meters,
        "rows": rows,
        "page": page,
        "state": state,
        "meter_id": meter_id,
        "search": search,
        "querystring": params.urlencode(),
        "filtered": bool(state or meter_id or search),
        "tz": selectors.customer_timezone_for(meters=meters),
        "paid_states": selectors.STATE_GROUPS["paid"],
        "open_states": selectors.STATE_GROUPS["open"],
    }
    return render(request, "water_portal/customer/payments.html", context)
