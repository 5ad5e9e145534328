"""Two-step verification: enrol an authenticator, recovery codes, switching it off."""

from __future__ import annotations

import re

import qrcode
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from qrcode.image.svg import SvgPathImage

from core.accounts.forms import MfaConfirmForm, PasswordConfirmForm
from core.accounts.models import User
from core.accounts.permissions import access
from core.accounts.services.mfa import mfa_enrolment_confirm, mfa_provisioning_uri
from core.accounts.services.registration import (
    InvalidInput,
    WrongPassword,
    mfa_enrolment_pending,
    mfa_self_disable,
    mfa_self_regenerate_codes,
    mfa_status_for,
)

ENROL_DEVICE_KEY = "_mfa_enrol_device"
NEW_CODES_KEY = "_mfa_new_codes"
_SVG_SIZE = re.compile(r'<svg width="[^"]*" height="[^"]*"')


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def qr_svg(data: str, *, label: str) -> SafeString:
    """An inline SVG QR code drawn on the server: the secret never leaves for another site."""
    image = qrcode.make(data, image_factory=SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    # Size comes from the stylesheet; the SVG only carries its viewBox.
    opening = format_html('<svg class="qr-code" role="img" aria-label="{}"', label)
    return mark_safe(_SVG_SIZE.sub(opening, svg, count=1))  # noqa: S308 - built from our own URI


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@access(authenticated=True)
@never_cache
@require_http_methods(["GET", "POST"])
def mfa_setup_view(request: HttpRequest) -> HttpResponse:
    """Enrol (QR code, secret, first code) or, once enrolled, manage the second factor."""
    user = _user(request)
    status = mfa_status_for(user=user)
    if status.enabled:
        return render(
            request,
            "accounts/mfa_manage.html",
            {"status": status, "form": PasswordConfirmForm(), "section": "mfa"},
        )
    device = mfa_enrolment_pending(user=user, device_id=request.session.get(ENROL_DEVICE_KEY))
    request.session[ENROL_DEVICE_KEY] = device.pk
    form = MfaConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].replace(" ", "").strip()
        codes = mfa_enrolment_confirm(user=user, device_id=device.pk, code=code)
        if codes is None:
            form.add_error(
                "code", _("That code is not valid. Check the time on your phone and try again.")
            )
        else:
            request.session.pop(ENROL_DEVICE_KEY, None)
            request.session[NEW_CODES_KEY] = codes
            messages.success(request, _("Two-step verification is now on."))
            return redirect("accounts:mfa_recovery_codes")
    uri = mfa_provisioning_uri(user=user, device=device)
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "qr": qr_svg(uri, label=_("QR code to add this account to an authenticator app")),
            "secret": _grouped(device.secret),
            "required": user.is_staff_member,
            "section": "mfa",
        },
    )


@access(authenticated=True)
@never_cache
@require_http_methods(["GET", "POST"])
def mfa_recovery_codes_view(request: HttpRequest) -> HttpResponse:
    """Show freshly issued recovery codes exactly once; regenerate them with the password."""
    user = _user(request)
    status = mfa_status_for(user=user)
    if not status.enabled:
        return redirect("accounts:mfa_setup")
    form = PasswordConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fresh = mfa_self_regenerate_codes(user=user, password=form.cleaned_data["password"])
        except WrongPassword:
            form.add_error("password", _("The password is incorrect."))
        else:
            request.session[NEW_CODES_KEY] = fresh
            return redirect("accounts:mfa_recovery_codes")
    codes = request.session.pop(NEW_CODES_KEY, None) if request.method == "GET" else None
    return render(
        request,
        "accounts/mfa_recovery_codes.html",
        {"codes": codes, "status": status, "form": form, "section": "mfa"},
    )


@access(authenticated=True)
@require_POST
def mfa_disable_view(request: HttpRequest) -> HttpResponse:
    """Switch MFA off (customers and motorists only; staff are refused with 403)."""
    user = _user(request)
    form = PasswordConfirmForm(request.POST)
    password = form.cleaned_data["password"] if form.is_valid() else ""
    try:
        # Staff are refused before the password is looked at (PermissionDenied, 403).
        mfa_self_disable(user=user, password=password)
    except InvalidInput:
        return redirect("accounts:mfa_setup")
    except WrongPassword:
        if password:
            form.add_error("password", _("The password is incorrect."))
    else:
        messages.success(request, _("Two-step verification is now off."))
        return redirect("accounts:mfa_setup")
    return render(
        request,
        "accounts/mfa_manage.html",
        {"status": mfa_status_for(user=user), "form": form, "section": "mfa"},
        status=400,
    )
