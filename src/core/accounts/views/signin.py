"""Signing in (password, then the second factor when enrolled) and signing out."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.accounts.errors import AccountInactive, EmailNotVerified, InvalidCredentials, InvalidOtp
from core.accounts.forms import LoginForm, OtpForm
from core.accounts.permissions import access
from core.accounts.services.auth import auth_authenticate, auth_verify_second_factor
from core.accounts.services.sessions import session_end
from core.accounts.views._common import (
    complete_login,
    next_from,
    pending_login_start,
    pending_login_user,
    rate_limited,
)
from core.errors import RateLimited
from core.ops.net import client_ip


@access(public=True)
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Step one: email and password. Enrolled users continue to the code step."""
    next_url = next_from(request)
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(next_url or "web:home")
    form = LoginForm(request.POST or None)
    context = {"form": form, "next": next_url, "unverified": False}
    if request.method == "POST" and form.is_valid():
        try:
            outcome = auth_authenticate(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                otp=None,
                ip=client_ip(request),
                require_otp_if_enrolled=False,
            )
        except RateLimited as exc:
            return rate_limited(request, "accounts/login.html", context, exc)
        except InvalidCredentials:
            form.add_error(None, _("Email or password is incorrect."))
        except AccountInactive:
            form.add_error(None, _("This account is disabled. Contact your administrator."))
        except EmailNotVerified:
            context["unverified"] = True
        else:
            if outcome.user.mfa_enabled:
                pending_login_start(request, outcome.user, next_url)
                return redirect("accounts:login_mfa")
            return complete_login(request, outcome.user, next_url)
    return render(request, "accounts/login.html", context)


@access(public=True)
@never_cache
@require_http_methods(["GET", "POST"])
def login_mfa_view(request: HttpRequest) -> HttpResponse:
    """Step two: a code from the authenticator app or a single-use recovery code."""
    user, next_url = pending_login_user(request)
    if user is None:
        messages.info(request, _("Your sign-in timed out. Please enter your password again."))
        return redirect("accounts:login")
    form = OtpForm(request.POST or None)
    context = {"form": form, "pending_email": user.email}
    if request.method == "POST" and form.is_valid():
        try:
            auth_verify_second_factor(
                user=user, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except RateLimited as exc:
            return rate_limited(request, "accounts/login_mfa.html", context, exc)
        except InvalidOtp:
            form.add_error("code", _("That code is not valid. Check your app and try again."))
        else:
            return complete_login(request, user, next_url)
    return render(request, "accounts/login_mfa.html", context)


@access(public=True)
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign this browser out (a POST, so no link can sign anyone out)."""
    if request.user.is_authenticated:
        session_end(request=request)
        messages.success(request, _("You have signed out."))
    return redirect("web:landing")
