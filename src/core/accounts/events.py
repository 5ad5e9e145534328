"""Account events: what we tell people about their sign-ins, passwords and two-step codes.

Security messages always go by email (the user cannot turn that off); links that carry a
token are minted when the email is sent and never stored with the notification.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from core.accounts.models import User
from core.notifications.events import EMAIL, IN_APP, PUSH, SMS, Category, EventType, register
from core.notifications.rendering import absolute

VERIFY_EMAIL = "account.verify_email"
PASSWORD_RESET = "account.password_reset"  # noqa: S105 - an event name
LOGIN_FAILURES = "account.login_failures"
NEW_DEVICE_LOGIN = "account.new_device_login"
MFA_ENABLED = "account.mfa_enabled"
MFA_DISABLED = "account.mfa_disabled"
MFA_RECOVERY_CODES = "account.mfa_recovery_codes"
MFA_RESET = "account.mfa_reset"


def _verify_link(user: User, context: dict[str, Any]) -> dict[str, Any]:
    from core.accounts.services.registration import email_verification_token

    query = urlencode({"token": email_verification_token(user=user)})
    return {"link": absolute(f"{reverse('accounts:verify_email')}?{query}")}


def _reset_link(user: User, context: dict[str, Any]) -> dict[str, Any]:
    from django.conf import settings

    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return {"link": absolute(path), "minutes": settings.PASSWORD_RESET_TIMEOUT // 60}


def _security_links(user: User, context: dict[str, Any]) -> dict[str, Any]:
    links: dict[str, Any] = {
        "reset_link": absolute(reverse("accounts:password_reset")),
        "sessions_link": absolute(reverse("accounts:sessions")),
    }
    if "latest_at" in context:
        links["when"] = datetime.fromisoformat(context["latest_at"])
    return links


SECURITY_CHANNELS = frozenset({EMAIL, PUSH, IN_APP})

register(
    EventType(
        key=VERIFY_EMAIL,
        category=Category.SECURITY,
        title=_("Confirm your email address"),
        body=_("Open the link in this email to confirm your address."),
        channels=frozenset({EMAIL}),
        defaults=frozenset({EMAIL}),
        required=frozenset({EMAIL}),
        email_template="accounts/email/verify_email",
        email_context=_verify_link,
    ),
    EventType(
        key=PASSWORD_RESET,
        category=Category.SECURITY,
        title=_("Reset your password"),
        body=_("Open the link in this email to choose a new password."),
        channels=frozenset({EMAIL}),
        defaults=frozenset({EMAIL}),
        required=frozenset({EMAIL}),
        email_template="accounts/email/password_reset",
        email_context=_reset_link,
    ),
    EventType(
        key=LOGIN_FAILURES,
        category=Category.SECURITY,
        title=_("Several wrong passwords were tried on your account"),
        body=_(
            "%(count)s sign-in attempts with a wrong password in the last 15 minutes. "
            "If this was not you, change your password now."
        ),
        channels=SECURITY_CHANNELS | {SMS},
        defaults=SECURITY_CHANNELS,
        required=frozenset({EMAIL}),
        urgent=True,
        email_template="accounts/email/failed_login_alert",
        email_context=_security_links,
    ),
    EventType(
        key=NEW_DEVICE_LOGIN,
        category=Category.SECURITY,
        title=_("New sign-in to your account"),
        body=_(
            "Your account was signed in to from %(device)s (IP %(ip)s) at %(signed_in_at)s. "
            "If this was not you, change your password and sign out of that session."
        ),
        channels=SECURITY_CHANNELS | {SMS},
        defaults=SECURITY_CHANNELS,
        required=frozenset({EMAIL}),
        urgent=True,
    ),
    EventType(
        key=MFA_ENABLED,
        category=Category.SECURITY,
        title=_("Two-step verification is on"),
        body=_("Two-step verification was turned on for your account."),
        channels=SECURITY_CHANNELS,
        defaults=SECURITY_CHANNELS,
        required=frozenset({EMAIL}),
    ),
    EventType(
        key=MFA_DISABLED,
        category=Category.SECURITY,
        title=_("Two-step verification is off"),
        body=_(
            "Two-step verification was turned off for your account. If this was not you, "
            "change your password now."
        ),
        channels=SECURITY_CHANNELS | {SMS},
        defaults=SECURITY_CHANNELS,
        required=frozenset({EMAIL}),
        urgent=True,
    ),
    EventType(
        key=MFA_RECOVERY_CODES,
        category=Category.SECURITY,
        title=_("New recovery codes"),
        body=_("New recovery codes were made for your account; the old ones no longer work."),
        channels=SECURITY_CHANNELS,
        defaults=SECURITY_CHANNELS,
        required=frozenset({EMAIL}),
    ),
    EventType(
        key=MFA_RESET,
        category=Category.SECURITY,
        title=_("Your two-step verification was reset"),
        body=_(
            "An administrator of %(organisation)s reset two-step verification on your "
            "account. Set it up again at your next sign-in."
        ),
        channels=SECURITY_CHANNELS | {SMS},
        defaults=SECURITY_CHANNELS,
        required=frozenset({EMAIL}),
        urgent=True,
    ),
)
