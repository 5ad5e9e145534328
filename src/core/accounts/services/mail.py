"""Account emails: verification, password reset, failed sign-in alerts.

Each takes a user id (they run after commit, possibly in a worker) and renders a text and
an HTML body from templates in the user's language, with absolute links.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode

from core.accounts.models import User


def _absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _send(user: User, template: str, context: dict[str, Any]) -> None:
    """Render `accounts/email/<template>.{subject.txt,txt,html}` in the user's language."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {"user": user, "platform_url": _absolute("/"), **context}
        subject = render_to_string(f"accounts/email/{template}.subject.txt", context)
        text = render_to_string(f"accounts/email/{template}.txt", context)
        html = render_to_string(f"accounts/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(html, "text/html")
    message.send()


def _active_user(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()


def send_verification_email(*, user_id: int) -> None:
    """Mail a link that confirms the address (valid three days)."""
    from core.accounts.services.registration import email_verification_token

    user = _active_user(user_id)
    if user is None or user.email_verified:
        return
    query = urlencode({"token": email_verification_token(user=user)})
    link = _absolute(f"{reverse('accounts:verify_email')}?{query}")
    _send(user, "verify_email", {"link": link})


def send_password_reset_email(*, user_id: int) -> None:
    """Mail a single-use link to choose a new password."""
    user = _active_user(user_id)
    if user is None:
        return
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    _send(user, "password_reset", {"link": _absolute(path), "minutes": minutes})


def send_failed_login_alert(*, user_id: int, count: int) -> None:
    """Tell the owner that several wrong passwords were tried on their account."""
    user = _active_user(user_id)
    if user is None:
        return
    _send(
        user,
        "failed_login_alert",
        {
            "count": count,
            "when": timezone.now(),
            "reset_link": _absolute(reverse("accounts:password_reset")),
            "sessions_link": _absolute(reverse("accounts:sessions")),
        },
    )
