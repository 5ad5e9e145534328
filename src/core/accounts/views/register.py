"""Creating an account and confirming its email address."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.accounts.errors import InvalidToken, PasswordPolicyError
from core.accounts.forms import EmailForm, RegisterForm
from core.accounts.models import Language
from core.accounts.permissions import access
from core.accounts.services.registration import (
    EmailTaken,
    InvalidInput,
    email_verify,
    user_register,
    verification_resend,
)
from core.accounts.views._common import rate_limited
from core.errors import RateLimited

SENT_TO_KEY = "_verification_sent_to"
_FIELD_OF_CODE = {"invalid_email": "email", "invalid_name": "full_name"}


@access(public=True)
@never_cache
@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    """Sign up with name, email and password. There is no role field: admins grant access."""
    if request.user.is_authenticated:
        return redirect("web:home")
    language = get_language() or Language.ENGLISH
    initial = {"language": language if language in Language.values else Language.ENGLISH}
    form = RegisterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user_register(
                email=data["email"],
                password=data["new_password1"],
                full_name=data["full_name"],
                language=data["language"],
            )
        except PasswordPolicyError as exc:
            form.add_service_error(exc, "new_password1")
        except EmailTaken:
            form.add_error(
                "email",
                _(
                    "An account with this email address already exists. "
                    "Sign in or reset the password."
                ),
            )
        except InvalidInput as exc:
            form.add_service_error(exc, _FIELD_OF_CODE.get(exc.code))
        except RateLimited as exc:
            return rate_limited(request, "accounts/register.html", {"form": form}, exc)
        else:
            request.session[SENT_TO_KEY] = data["email"]
            return redirect("accounts:verify_email_sent")
    return render(request, "accounts/register.html", {"form": form})


@access(public=True)
@never_cache
@require_http_methods(["GET", "POST"])
def verify_email_sent_view(request: HttpRequest) -> HttpResponse:
    """ "Check your inbox", with a form to send the link again."""
    form = EmailForm(request.POST or None, initial={"email": request.session.get(SENT_TO_KEY, "")})
    if request.method == "POST" and form.is_valid():
        verification_resend(email=form.cleaned_data["email"])
        messages.success(
            request,
            _("If an unverified account uses this address, a new link is on its way."),
        )
        return redirect("accounts:verify_email_sent")
    return render(
        request,
        "accounts/verify_email_sent.html",
        {"form": form, "sent_to": request.session.get(SENT_TO_KEY, "")},
    )


@access(public=True)
@never_cache
@require_http_methods(["GET"])
def verify_email_view(request: HttpRequest, token: str | None = None) -> HttpResponse:
    """Open the link from the verification email (token in the path or `?token=`)."""
    token = token or request.GET.get("token", "")
    try:
        user = email_verify(token=token)
    except InvalidToken:
        return render(
            request, "accounts/verify_email.html", {"ok": False, "form": EmailForm()}, status=400
        )
    request.session.pop(SENT_TO_KEY, None)
    return render(request, "accounts/verify_email.html", {"ok": True, "verified_email": user.email})
