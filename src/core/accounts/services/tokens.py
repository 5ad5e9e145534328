"""API tokens: issue at login, rotate refresh tokens with reuse detection, revoke, rotate keys.

Refresh tokens are opaque random strings; only their SHA-256 digest is stored. Each use
spends the token and issues a new one in the same family. Presenting a spent or revoked
token means it leaked (or a client replayed it): the whole family is revoked.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.accounts import tokens
from core.accounts.errors import InvalidToken, MfaEnrolmentRequired
from core.accounts.models import RefreshToken, User
from core.accounts.roles import Role
from core.accounts.services.auth import auth_authenticate, login_succeeded
from core.audit import actions
from core.audit.services import audit_record
from core.errors import NotFound
from core.tenancy.models import Tenant


@dataclass(frozen=True)
class TokenPair:
    """What a client receives: a signed access token and an opaque refresh token."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _resolve_tenant(
    user: User, tenant_id: int | None, *, strict: bool
) -> tuple[int | None, list[str]]:
    """The tenant a token is scoped to and the user's roles there (plus superadmin).

    A tenant the user cannot act in is refused when `strict` (an explicit choice at sign-in)
    and replaced by their first tenant otherwise (a membership removed since sign-in).
    """
    memberships = list(
        user.memberships.order_by("tenant_id", "role").values_list("tenant_id", "role")
    )
    allowed = tenant_id is None or any(t == tenant_id for t, _ in memberships)
    if tenant_id is not None and not allowed and user.is_superuser:
        allowed = Tenant.objects.filter(pk=tenant_id).exists()
    if not allowed and strict:
        raise NotFound("Tenant not found.")
    if tenant_id is None or not allowed:
        tenant_id = memberships[0][0] if memberships else None
    roles = sorted({role for t, role in memberships if t == tenant_id})
    if user.is_superuser:
        roles.insert(0, Role.SUPERADMIN.value)
    return tenant_id, roles


def _issue(
    user: User, tenant_id: int | None, family: uuid.UUID | None
) -> tuple[TokenPair, int | None]:
    """A new pair in `family` (a new family when None), and the tenant it is scoped to."""
    tenant_id, roles = _resolve_tenant(user, tenant_id, strict=family is None)
    refresh = secrets.token_urlsafe(48)
    RefreshToken.objects.create(
        user=user,
        tenant_id=tenant_id,
        family=family or uuid.uuid4(),
        token_hash=_digest(refresh),
        expires_at=timezone.now() + settings.JWT_REFRESH_TTL,
    )
    access = tokens.access_token_encode(user_id=user.pk, tenant_id=tenant_id, roles=roles)
    pair = TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=int(settings.JWT_ACCESS_TTL.total_seconds()),
    )
    return pair, tenant_id


def _require_mfa_for_staff(user: User) -> None:
    if user.is_staff_member and not user.mfa_enabled:
        raise MfaEnrolmentRequired()


def token_obtain(
    *, email: str, password: str, otp: str | None, tenant_id: int | None, ip: str
) -> TokenPair:
    """Sign in for the API: credentials, throttle and MFA, then a new token family.

    Staff must have an authenticator enrolled; enrolled users must present a code.
    """
    outcome = auth_authenticate(email=email, password=password, otp=otp, ip=ip)
    user = outcome.user
    _require_mfa_for_staff(user)
    with transaction.atomic():
        pair, scoped_to = _issue(user, tenant_id, family=None)
        audit_record(
            action=actions.TOKEN_ISSUED,
            actor=user,
            tenant=scoped_to,
            data={"mfa": outcome.mfa_passed},
        )
    login_succeeded(user=user, channel="api")
    return pair


def _revoke_family(family: uuid.UUID) -> int:
    return RefreshToken.objects.filter(family=family, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def _locked_token(refresh_token: str) -> RefreshToken | None:
    """The stored token with this value, row-locked for the rest of the transaction."""
    return (
        RefreshToken.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(token_hash=_digest(refresh_token))
        .first()
    )


def token_refresh(*, refresh_token: str) -> TokenPair:
    """Spend a refresh token for a new pair; a replayed token revokes its whole family."""
    reused = False
    pair: TokenPair | None = None
    with transaction.atomic():
        row = _locked_token(refresh_token)
        if row is None or row.expires_at <= timezone.now() or not row.user.is_active:
            raise InvalidToken()
        if row.used_at is not None or row.revoked_at is not None:
            reused = True
            revoked = _revoke_family(row.family)
            audit_record(
                action=actions.TOKEN_REUSE_DETECTED,
                actor=row.user,
                target=row,
                data={"family": str(row.family), "revoked": revoked},
            )
        else:
            # A role granted since sign-in may have made the user staff: same rule as login.
            _require_mfa_for_staff(row.user)
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
            pair, _ = _issue(row.user, row.tenant_id, family=row.family)
            audit_record(
                action=actions.TOKEN_REFRESHED, actor=row.user, data={"family": str(row.family)}
            )
    if reused or pair is None:
        # Raised after the block so the family revocation and its audit row are committed.
        raise InvalidToken()
    return pair


def token_revoke(*, refresh_token: str) -> None:
    """Sign the API client out: revoke the token's family. Unknown tokens are ignored."""
    with transaction.atomic():
        row = _locked_token(refresh_token)
        if row is None:
            return
        revoked = _revoke_family(row.family)
        if revoked:
            audit_record(
                action=actions.LOGOUT,
                actor=row.user,
                data={"channel": "api", "family": str(row.family)},
            )


def jwt_keys_rotate(*, overlap: timedelta | None = None) -> str:
    """Start signing with a new key; the previous one verifies for `overlap` more."""
    overlap = settings.JWT_KEY_OVERLAP if overlap is None else overlap
    kid = tokens.key_ring_rotate(overlap=overlap)
    with transaction.atomic():
        audit_record(
            action=actions.KEYS_ROTATED,
            data={"kind": "jwt", "kid": kid, "overlap_seconds": int(overlap.total_seconds())},
        )
    return kid
