"""How API callers prove who they are: a Bearer RS256 access token, or the browser session.

Both set ``request.user`` to the signed-in user. A Bearer header that is present but wrong is
refused with 401 ``invalid_token`` rather than falling back to the session. Session callers
are CSRF-checked, like Django views, and staff without MFA are refused exactly as they are
at token issue time.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from core.accounts.errors import InvalidToken, MfaEnrolmentRequired
from core.accounts.models import User
from core.accounts.tokens import access_token_decode


class JWTBearer(HttpBearer):
    """``Authorization: Bearer <access token>`` signed by our key ring."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        claims = access_token_decode(token)
        try:
            user_id = int(claims["sub"])
        except (TypeError, ValueError) as exc:
            raise InvalidToken() from exc
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise InvalidToken()
        request.user = user
        request.jwt_claims = claims  # type: ignore[attr-defined]
        return user


class DjangoSession(APIKeyCookie):
    """The Django session cookie (ninja's ``django_auth``), with the CSRF check.

    The CSRF check runs only when a session is actually signed in, so an anonymous call
    answers 401 not_authenticated rather than a confusing CSRF failure.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if user.is_staff_member and not user.mfa_enabled:
            raise MfaEnrolmentRequired()
        return user


API_AUTH = [JWTBearer(), DjangoSession()]
