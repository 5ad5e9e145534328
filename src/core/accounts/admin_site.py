"""The Django admin signs in through our two-step login, never with a password alone."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from core.accounts.permissions import access


@access(public=True)
def admin_login_redirect(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """Send /admin/login/ to the portal sign-in (with MFA), then back to the admin page."""
    target = request.GET.get("next") or reverse("admin:index")
    return redirect_to_login(target)


def admin_site_configure() -> None:
    """Route the admin's login to ours; admin pages still require `is_staff`.

    Django's Group admin is removed: roles are tenant memberships, changed only through
    audited services, never through permission groups.
    """
    admin.site.login = admin_login_redirect  # type: ignore[method-assign]
    if admin.site.is_registered(Group):
        admin.site.unregister(Group)
    admin.site.site_header = "IndoWater · RoadSide+ TT administration"
    admin.site.site_title = "Platform administration"
