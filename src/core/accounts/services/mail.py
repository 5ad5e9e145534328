"""Account messages: verification, password reset, failed sign-in alerts.

Each takes a user id (callers run them after commit) and goes through notify(), so it is
logged, retried and sent in the user's language like every other notification.
"""

from __future__ import annotations

from django.utils import timezone

from core.accounts import events
from core.accounts.models import User
from core.notifications.services import notify


def _active_user(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()


def send_verification_email(*, user_id: int) -> None:
    """Mail a link that confirms the address (valid three days)."""
    user = _active_user(user_id)
    if user is None or user.email_verified:
        return
    notify(user, events.VERIFY_EMAIL)


def send_password_reset_email(*, user_id: int) -> None:
    """Mail a single-use link to choose a new password."""
    user = _active_user(user_id)
    if user is None:
        return
    notify(user, events.PASSWORD_RESET)


def send_failed_login_alert(*, user_id: int, count: int) -> None:
    """Tell the owner that several wrong passwords were tried on their account."""
    user = _active_user(user_id)
    if user is None:
        return
    notify(
        user,
        events.LOGIN_FAILURES,
        {"count": count, "latest_at": timezone.now().isoformat()},
        link="/accounts/sessions/",
    )
