"""Accounts API: tokens, registration, the caller's profile, tenants and tenant members.

No ``from __future__ import annotations`` here: ninja reads the handler annotations at import.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from core.accounts import schemas
from core.accounts.errors import PasswordPolicyError
from core.accounts.models import Membership, User
from core.accounts.permissions import access
from core.accounts.roles import ADMIN_ROLES, Role
from core.accounts.services import memberships, registration
from core.accounts.services.tokens import token_obtain, token_refresh, token_revoke
from core.api.throttling import login_rate_limit
from core.ops.net import client_ip
from core.tenancy.selectors import tenant_get_for, tenant_list_for

router = Router()
MEMBER_ADMINS = ADMIN_ROLES | {Role.SUPERADMIN}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@contextmanager
def _password_field(name: str) -> Iterator[None]:
    """Name the offending field when the password policy refuses a password."""
    try:
        yield
    except PasswordPolicyError as exc:
        exc.extra.setdefault("field", name)
        raise


def _session_key(request: HttpRequest) -> str | None:
    """The browser session to keep signed in after a password change (none for tokens)."""
    if hasattr(request, "jwt_claims"):
        return None
    return request.session.session_key


# ---------------------------------------------------------------------------- tokens


@router.post(
    "/auth/token",
    auth=None,
    throttle=login_rate_limit("auth-token"),
    response=schemas.TokenOut,
    tags=["auth"],
    summary="Sign in: obtain an access token and a refresh token",
)
@access(public=True)
def auth_token(request: HttpRequest, payload: schemas.TokenIn) -> dict[str, Any]:
    """Staff must have MFA enrolled; anyone enrolled sends `otp`. Access tokens last 15 min."""
    pair = token_obtain(
        email=payload.email,
        password=payload.password,
        otp=payload.otp,
        tenant_id=payload.tenant_id,
        ip=client_ip(request),
    )
    return asdict(pair)


@router.post(
    "/auth/refresh",
    auth=None,
    throttle=login_rate_limit("auth-refresh"),
    response=schemas.TokenOut,
    tags=["auth"],
    summary="Exchange a refresh token for a new pair (the old one is spent)",
)
@access(public=True)
def auth_refresh(request: HttpRequest, payload: schemas.RefreshIn) -> dict[str, Any]:
    """Presenting a spent refresh token revokes every token of its sign-in."""
    return asdict(token_refresh(refresh_token=payload.refresh_token))


@router.post(
    "/auth/logout", auth=None, response={204: None}, tags=["auth"], summary="Revoke a sign-in"
)
@access(public=True)
def auth_logout(request: HttpRequest, payload: schemas.RefreshIn) -> Status[Any]:
    """Revoke the refresh token's whole family; unknown tokens are accepted silently."""
    token_revoke(refresh_token=payload.refresh_token)
    return Status(204, None)


# ---------------------------------------------------------------------------- registration


@router.post(
    "/auth/register",
    auth=None,
    throttle=login_rate_limit("auth-register"),
    response={201: schemas.ProfileOut},
    tags=["auth"],
    summary="Create an account (no role; a verification email is sent)",
)
@access(public=True)
def auth_register(request: HttpRequest, payload: schemas.RegisterIn) -> Status[Any]:
    """Unknown fields, a role included, are refused with 422."""
    with _password_field("password"):
        user = registration.user_register(
            email=payload.email,
            password=payload.password,
            full_name=payload.full_name,
            language=payload.language,
        )
    return Status(201, user)


@router.post(
    "/auth/verify-email",
    auth=None,
    throttle=login_rate_limit("auth-verify"),
    response={204: None},
    tags=["auth"],
    summary="Confirm an email address with the token from the verification email",
)
@access(public=True)
def auth_verify_email(request: HttpRequest, payload: schemas.VerifyEmailIn) -> Status[Any]:
    registration.email_verify(token=payload.token)
    return Status(204, None)


@router.post(
    "/auth/password-reset",
    auth=None,
    throttle=login_rate_limit("auth-reset"),
    response={202: None},
    tags=["auth"],
    summary="Email a password reset link (answers 202 whether or not the account exists)",
)
@access(public=True)
def auth_password_reset(request: HttpRequest, payload: schemas.PasswordResetIn) -> Status[Any]:
    registration.password_reset_request(email=payload.email)
    return Status(202, None)


@router.post(
    "/auth/password-reset/confirm",
    auth=None,
    throttle=login_rate_limit("auth-reset-confirm"),
    response={204: None},
    tags=["auth"],
    summary="Set a new password with the uid and token from the reset email",
)
@access(public=True)
def auth_password_reset_confirm(
    request: HttpRequest, payload: schemas.PasswordResetConfirmIn
) -> Status[Any]:
    """Every session and refresh token of the account is revoked."""
    with _password_field("new_password"):
        registration.password_reset_confirm(
            uid=payload.uid, token=payload.token, new_password=payload.new_password
        )
    return Status(204, None)


# ---------------------------------------------------------------------------- me


@router.get("/me", response=schemas.MeOut, tags=["me"], summary="The caller's profile and roles")
@access(authenticated=True)
def me_get(request: HttpRequest) -> User:
    return _user(request)


@router.patch("/me", response=schemas.MeOut, tags=["me"], summary="Update name, phone, language")
@access(authenticated=True)
def me_update(request: HttpRequest, payload: schemas.ProfileUpdateIn) -> User:
    user = _user(request)
    return registration.profile_update(
        user=user,
        full_name=user.full_name if payload.full_name is None else payload.full_name,
        phone=user.phone if payload.phone is None else payload.phone,
        language=user.language if payload.language is None else payload.language,
    )


@router.post(
    "/me/password", response={204: None}, tags=["me"], summary="Change the caller's password"
)
@access(authenticated=True)
def me_password(request: HttpRequest, payload: schemas.PasswordChangeIn) -> Status[Any]:
    """Other sessions and every refresh token are revoked; this browser stays signed in."""
    with _password_field("new_password"):
        registration.password_change(
            user=_user(request),
            old_password=payload.old_password,
            new_password=payload.new_password,
            keep_session_key=_session_key(request),
        )
    return Status(204, None)


# ---------------------------------------------------------------------------- tenants


@router.get("/tenants", response=list[schemas.TenantOut], tags=["tenants"], summary="My tenants")
@access(authenticated=True)
def tenants_list(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    roles: dict[int, list[str]] = {}
    for m in memberships.membership_list_of_user(user=user):
        roles.setdefault(m.tenant_id, []).append(m.role)
    extra = [Role.SUPERADMIN.value] if user.is_superuser else []
    return [
        {
            "id": t.pk,
            "name": t.name,
            "kind": t.kind,
            "service": t.service,
            "roles": extra + roles.get(t.pk, []),
        }
        for t in tenant_list_for(actor=user).order_by("name", "pk")
    ]


@router.get(
    "/tenants/{tenant_id}/members",
    response=list[schemas.MemberOut],
    tags=["tenants"],
    summary="Members of a tenant (administrators only)",
)
@access(roles=MEMBER_ADMINS, tenant_kwarg="tenant_id")
def members_list(request: HttpRequest, tenant_id: int) -> list[Membership]:
    return list(memberships.membership_list_for(actor=_user(request), tenant_id=tenant_id))


@router.post(
    "/tenants/{tenant_id}/members",
    response={201: schemas.MemberOut},
    tags=["tenants"],
    summary="Add a member by email (an unknown email is invited)",
)
@access(roles=MEMBER_ADMINS, tenant_kwarg="tenant_id")
def members_add(request: HttpRequest, tenant_id: int, payload: schemas.MemberAddIn) -> Status[Any]:
    actor = _user(request)
    tenant = tenant_get_for(actor=actor, tenant_id=tenant_id)
    membership = memberships.membership_add(
        actor=actor, tenant=tenant, user_email=payload.email, role=payload.role
    )
    return Status(201, membership)


@router.patch(
    "/tenants/{tenant_id}/members/{membership_id}",
    response=schemas.MemberOut,
    tags=["tenants"],
    summary="Change a member's role",
)
@access(roles=MEMBER_ADMINS, tenant_kwarg="tenant_id")
def members_change(
    request: HttpRequest, tenant_id: int, membership_id: int, payload: schemas.MemberChangeIn
) -> Membership:
    actor = _user(request)
    membership = memberships.membership_get_for(
        actor=actor, tenant_id=tenant_id, membership_id=membership_id
    )
    return memberships.membership_change_role(actor=actor, membership=membership, role=payload.role)


@router.delete(
    "/tenants/{tenant_id}/members/{membership_id}",
    response={204: None},
    tags=["tenants"],
    summary="Remove a member's role",
)
@access(roles=MEMBER_ADMINS, tenant_kwarg="tenant_id")
def members_remove(request: HttpRequest, tenant_id: int, membership_id: int) -> Status[Any]:
    actor = _user(request)
    membership = memberships.membership_get_for(
        actor=actor, tenant_id=tenant_id, membership_id=membership_id
    )
    memberships.membership_remove(actor=actor, membership=membership)
    return Status(204, None)


@router.post(
    "/tenants/{tenant_id}/members/{membership_id}/mfa-reset",
    response={204: None},
    tags=["tenants"],
    summary="Reset a member's MFA so they enrol again",
)
@access(roles=MEMBER_ADMINS, tenant_kwarg="tenant_id")
def members_mfa_reset(request: HttpRequest, tenant_id: int, membership_id: int) -> Status[Any]:
    actor = _user(request)
    membership = memberships.membership_get_for(
        actor=actor, tenant_id=tenant_id, membership_id=membership_id
    )
    memberships.membership_mfa_reset(actor=actor, membership=membership)
    return Status(204, None)
