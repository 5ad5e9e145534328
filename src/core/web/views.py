"""The public landing page, the after-login router and the two portal home pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.accounts.models import User
from core.accounts.permissions import access
from core.tenancy.models import Service
from core.web.portals import home_of
from core.web.selectors import SERVICE_TIMEZONES, portal_overview_for, services_for


@access(public=True)
@require_http_methods(["GET"])
def landing_view(request: HttpRequest) -> HttpResponse:
    """Introduce both services and link both portals, sign-in and registration."""
    return render(request, "web/landing.html")


@access(authenticated=True)
@require_http_methods(["GET"])
def home_view(request: HttpRequest) -> HttpResponse:
    """Send the user to their portal; with none or both, let them choose."""
    services = services_for(actor=request.user)  # type: ignore[arg-type]
    if len(services) == 1:
        return redirect("web:portal", service=services[0])
    return render(request, "web/home.html", {"services": services})


@access(authenticated=True)
@require_http_methods(["GET"])
def portal_view(request: HttpRequest, service: str) -> HttpResponse:
    """A service's home: the person's workspace when the product names one (`?overview=1`
    shows the overview anyway), else their organisations, roles, security state, members."""
    user: User = request.user  # type: ignore[assignment]
    workspace = home_of(service, user)
    if workspace and request.GET.get("overview") != "1":
        return redirect(workspace)
    overview = portal_overview_for(actor=user, service=service)
    return render(
        request,
        "web/portal.html",
        {
            "overview": overview,
            "service": service,
            "service_name": Service(service).label,
            "brand_service_name": Service(service).label,
            "service_timezone": SERVICE_TIMEZONES[Service(service)],
        },
    )
