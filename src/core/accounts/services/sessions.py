"""Browser sessions: registration at login, idle/absolute limits, listing and revocation."""

from __future__ import annotations

import time
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.accounts.models import User, UserSession
from core.audit import actions
from core.audit.services import audit_record
from core.errors import NotFound
from core.ops.context import current_request_meta

STARTED_KEY = "_auth_started"
SEEN_KEY = "_auth_seen"
TOUCH_EVERY_SECONDS = 60
# Paths a staff member without MFA may still reach: enrolment itself, signing out, assets.
MFA_EXEMPT_PREFIXES = ("/accounts/mfa/", "/accounts/logout/", "/static/", "/i18n/")


def session_register(*, request: HttpRequest, user: User) -> None:
    """Call right after `login()`: stamp the session and list it for its owner."""
    now = time.time()
    request.session[STARTED_KEY] = now
    request.session[SEEN_KEY] = now
    request.session.save()
    meta = current_request_meta()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={"user": user, "ip_address": meta.ip, "user_agent": meta.user_agent},
    )


def session_enforce_policy(request: HttpRequest) -> HttpResponse | None:
    """End expired staff sessions; send staff without MFA to enrolment. None lets it through."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    now = time.time()
    started = float(request.session.get(STARTED_KEY, now))
    seen = float(request.session.get(SEEN_KEY, now))
    is_staff = user.is_staff_member
    if is_staff:
        idle = settings.STAFF_SESSION_IDLE_TIMEOUT.total_seconds()
        absolute = settings.STAFF_SESSION_ABSOLUTE_TIMEOUT.total_seconds()
        if now - seen > idle or now - started > absolute:
            session_end(request=request)
            # fail_silently: this middleware may sit before MessageMiddleware.
            messages.info(
                request, _("Your session expired. Please sign in again."), fail_silently=True
            )
            return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.get_full_path()}")
    if now - seen >= TOUCH_EVERY_SECONDS or STARTED_KEY not in request.session:
        request.session[SEEN_KEY] = now
        request.session.setdefault(STARTED_KEY, now)
        UserSession.objects.filter(session_key=request.session.session_key).update(
            last_seen_at=timezone.now()
        )
    if is_staff and not user.mfa_enabled and not request.path.startswith(MFA_EXEMPT_PREFIXES):
        if request.path.startswith("/api/"):
            return None  # the API refuses staff without MFA at token issue time
        return redirect("accounts:mfa_setup")
    return None


def session_end(*, request: HttpRequest) -> None:
    """Sign out of this browser and forget the session row."""
    key = request.session.session_key
    user = request.user if request.user.is_authenticated else None
    logout(request)
    if key:
        UserSession.objects.filter(session_key=key).delete()
    if user is not None:
        with transaction.atomic():
            audit_record(action=actions.LOGOUT, actor=user, data={"channel": "web"})


def session_list_for(*, actor: User) -> list[UserSession]:
    """The actor's own signed-in sessions, newest activity first."""
    return list(UserSession.objects.filter(user=actor))


def session_revoke(*, actor: User, session_id: int) -> None:
    """End one of the actor's sessions (on any device); another user's id answers 404."""
    row = UserSession.objects.filter(pk=session_id, user=actor).first()
    if row is None:
        raise NotFound("Session not found.")
    store = import_module(settings.SESSION_ENGINE).SessionStore
    store(session_key=row.session_key).delete()
    with transaction.atomic():
        row.delete()
        audit_record(action=actions.SESSION_REVOKED, actor=actor, data={"session": session_id})


def session_rotated(*, request: HttpRequest, old_key: str | None) -> None:
    """Follow a session key rotation (e.g. after a password change) in the session list."""
    new_key = request.session.session_key
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)
