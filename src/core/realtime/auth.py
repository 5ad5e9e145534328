"""Who is on the other end of a live socket: a JWT access token or the browser session.

A token travels as the WebSocket subprotocol pair ``["bearer", "<access token>"]`` (browsers
cannot set an Authorization header on a WebSocket). The session cookie counts only when the
handshake carries an Origin that `LiveOriginValidator` checked against ALLOWED_HOSTS, so
another site cannot open a socket with a visitor's cookie; a client without an Origin (a
native app) must bring a token. Refusals are WebSocket close codes: 4401 not signed in
(or no longer), 4403 staff without MFA.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie
from django.utils.crypto import constant_time_compare

from core.accounts.errors import InvalidToken
from core.accounts.models import User
from core.accounts.services.sessions import SEEN_KEY, STARTED_KEY
from core.accounts.tokens import access_token_decode
from core.realtime.selectors import TenantScope

NOT_AUTHENTICATED = 4401
MFA_REQUIRED = 4403
BEARER = "bearer"

Scope = dict[str, Any]


@dataclass(frozen=True)
class LiveIdentity:
    """The signed-in user of a socket and how they proved it, or the close code refusing it."""

    user: User | None = None
    via: str = ""  # "session" | "jwt"
    refusal: int | None = NOT_AUTHENTICATED
    session_key: str | None = None
    token_expires_at: float | None = None
    tenants: TenantScope = None


REFUSED = LiveIdentity()


def identify(scope: Scope) -> LiveIdentity:
    """Identify a handshake: a bearer subprotocol wins; else the session, if Origin was checked."""
    protocols = [str(p) for p in scope.get("subprotocols") or []]
    if BEARER in protocols:
        position = protocols.index(BEARER)
        token = protocols[position + 1] if position + 1 < len(protocols) else ""
        return identify_token(token)
    if _header(scope, b"origin") is None:
        return REFUSED
    cookies = parse_cookie(_header(scope, b"cookie") or "")
    session_key = cookies.get(settings.SESSION_COOKIE_NAME)
    return identify_session(session_key) if session_key else REFUSED


def identify_token(token: str) -> LiveIdentity:
    """A valid access token of an active user; the token's tenant scopes the tenant groups."""
    try:
        claims = access_token_decode(token)
        user_id = int(claims["sub"])
    except (InvalidToken, KeyError, TypeError, ValueError):
        return REFUSED
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return REFUSED
    tenant = claims.get("tenant")
    return LiveIdentity(
        user=user,
        via="jwt",
        refusal=None,
        token_expires_at=float(claims["exp"]),
        tenants=int(tenant) if isinstance(tenant, int) else None,
    )


def identify_session(session_key: str) -> LiveIdentity:
    """The user signed in to this session, if it is still valid under the session policy."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    user = _session_user(store)
    if user is None or not _session_current(store, user):
        return REFUSED
    if user.is_staff_member and not user.mfa_enabled:
        return LiveIdentity(user=None, refusal=MFA_REQUIRED)
    return LiveIdentity(user=user, via="session", refusal=None, session_key=session_key)


def reidentify(identity: LiveIdentity) -> LiveIdentity:
    """Check an open socket again: session ended or expired, token expired, user disabled."""
    if identity.via == "session" and identity.session_key:
        return identify_session(identity.session_key)
    if identity.via == "jwt" and identity.user is not None:
        expired = identity.token_expires_at is None or _now() >= identity.token_expires_at
        active = User.objects.filter(pk=identity.user.pk, is_active=True).first()
        if expired or active is None:
            return REFUSED
        return replace(identity, user=active)
    return REFUSED


def _now() -> float:
    return time.time()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            return bytes(value).decode("latin1")
    return None


def _session_user(store: Any) -> User | None:
    """django.contrib.auth.get_user without a request: the session's user, hash verified."""
    try:
        user_id = User._meta.pk.to_python(store[SESSION_KEY])
        backend_path = store[BACKEND_SESSION_KEY]
    except KeyError:
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    user = load_backend(backend_path).get_user(user_id)
    if not isinstance(user, User) or not user.is_active:
        return None
    # A hash from a SECRET_KEY_FALLBACKS key is refused here; the page load that starts the
    # socket has already had Django re-hash the session with the current key.
    if not constant_time_compare(store.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return None
    return user


def _session_current(store: Any, user: User) -> bool:
    """The idle and absolute limits of `session_enforce_policy` (SessionPolicyMiddleware)."""
    if not user.is_staff_member:
        return True
    now = _now()
    started = float(store.get(STARTED_KEY, now))
    seen = float(store.get(SEEN_KEY, now))
    idle = settings.STAFF_SESSION_IDLE_TIMEOUT.total_seconds()
    absolute = settings.STAFF_SESSION_ABSOLUTE_TIMEOUT.total_seconds()
    return now - seen <= idle and now - started <= absolute


class LiveOriginValidator(OriginValidator):
    """Refuse a handshake whose Origin is not an allowed host; one without Origin passes
    (native apps), and `identify` then ignores its cookies."""

    def valid_origin(self, parsed_origin: Any) -> bool:
        return parsed_origin is None or bool(self.validate_origin(parsed_origin))


def origin_validator(application: Any) -> LiveOriginValidator:
    """Wrap `application` with the Origin check against ALLOWED_HOSTS (as channels does)."""
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = ["localhost", "127.0.0.1", "[::1]"]
    return LiveOriginValidator(application, allowed)


class LiveAuthMiddleware:
    """Put `user` and `live_identity` in the scope of every WebSocket handshake."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> Any:
        identity = await database_sync_to_async(identify)(scope)
        scope = {**scope, "user": identity.user or AnonymousUser(), "live_identity": identity}
        return await self.inner(scope, receive, send)
