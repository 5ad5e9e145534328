"""The signed-in user's profile and their list of signed-in sessions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.accounts.forms import ProfileForm
from core.accounts.models import User
from core.accounts.permissions import access
from core.accounts.services.registration import InvalidInput, profile_update
from core.accounts.services.sessions import session_end, session_list_for, session_revoke
from core.accounts.views._common import set_language_cookie

_FIELD_OF_CODE = {
    "invalid_name": "full_name",
    "invalid_phone": "phone",
    "invalid_language": "language",
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@access(authenticated=True)
@never_cache
@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest) -> HttpResponse:
    """Name, mobile number (stored encrypted) and preferred language."""
    user = _user(request)
    initial = {"full_name": user.full_name, "phone": user.phone, "language": user.language}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(user=user, **form.cleaned_data)
        except InvalidInput as exc:
            form.add_service_error(exc, _FIELD_OF_CODE.get(exc.code))
        else:
            messages.success(request, _("Your profile has been saved."))
            return set_language_cookie(redirect("accounts:profile"), user.language)
    return render(request, "accounts/profile.html", {"form": form, "section": "profile"})


@access(authenticated=True)
@never_cache
@require_http_methods(["GET"])
def sessions_view(request: HttpRequest) -> HttpResponse:
    """Every browser where this account is signed in, with a way to end each one."""
    return render(
        request,
        "accounts/sessions.html",
        {
            "sessions": session_list_for(actor=_user(request)),
            "current_key": request.session.session_key,
            "section": "sessions",
        },
    )


@access(authenticated=True)
@require_POST
def session_revoke_view(request: HttpRequest, session_id: int) -> HttpResponse:
    """End one of the user's own sessions; another user's session id answers 404."""
    current = session_list_for(actor=_user(request))
    is_current = any(
        row.pk == session_id and row.session_key == request.session.session_key for row in current
    )
    if is_current:
        # Flush the live session too, so this response cannot save it back.
        session_end(request=request)
        messages.info(request, _("You signed out of this device."))
        return redirect("accounts:login")
    session_revoke(actor=_user(request), session_id=session_id)
    messages.success(request, _("That session has been signed out."))
    return redirect("accounts:sessions")
