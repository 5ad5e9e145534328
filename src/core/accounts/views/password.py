"""Forgotten password (request, confirm) and changing the password while signed in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.accounts.errors import InvalidToken, PasswordPolicyError
from core.accounts.forms import EmailForm, PasswordChangeForm, SetPasswordForm
from core.accounts.permissions import access
from core.accounts.services.registration import (
    WrongPassword,
    password_change,
    password_reset_confirm,
    password_reset_request,
    password_reset_token_valid,
)
from core.accounts.services.sessions import session_rotated


@access(public=True)
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_view(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. The answer is the same whether or not the address exists."""
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_reset_request(email=form.cleaned_data["email"])
        return redirect("accounts:password_reset_done")
    return render(request, "accounts/password_reset.html", {"form": form})


@access(public=True)
@require_http_methods(["GET"])
def password_reset_done_view(request: HttpRequest) -> HttpResponse:
    """Tell the visitor to check their inbox."""
    return render(request, "accounts/password_reset_done.html")


def _reset_link_invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_invalid.html", status=400)


@access(public=True)
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_confirm_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Choose a new password from the emailed link; a used or expired link is refused."""
    if request.method == "GET" and not password_reset_token_valid(uid=uidb64, token=token):
        return _reset_link_invalid(request)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_reset_confirm(
                uid=uidb64, token=token, new_password=form.cleaned_data["new_password1"]
            )
        except InvalidToken:
            return _reset_link_invalid(request)
        except PasswordPolicyError as exc:
            form.add_service_error(exc, "new_password1")
        else:
            messages.success(request, _("Your password has been changed. You can sign in now."))
            return redirect("accounts:login")
    return render(request, "accounts/password_reset_confirm.html", {"form": form})


@access(authenticated=True)
@never_cache
@require_http_methods(["GET", "POST"])
def password_change_view(request: HttpRequest) -> HttpResponse:
    """Change the password; this browser stays signed in, every other one is signed out."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        old_key = request.session.session_key
        try:
            password_change(
                user=request.user,  # type: ignore[arg-type]
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                keep_session_key=old_key,
            )
        except WrongPassword:
            form.add_error("old_password", _("The current password is incorrect."))
        except PasswordPolicyError as exc:
            form.add_service_error(exc, "new_password1")
        else:
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            session_rotated(request=request, old_key=old_key)
            messages.success(request, _("Password changed. Other devices have been signed out."))
            return redirect("accounts:password_change")
    return render(request, "accounts/password_change.html", {"form": form, "section": "password"})
