"""Request and response bodies of the accounts API.

Input schemas forbid unknown keys: a client cannot smuggle fields (such as a role at
registration) past the API, and typos are reported instead of silently ignored.
"""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from core.accounts.models import Language, Membership, User
from core.api.schemas import Strict

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class TokenIn(Strict):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=256)
    otp: str | None = Field(default=None, max_length=32, description="TOTP or recovery code")
    tenant_id: int | None = Field(default=None, description="Scope the token to this tenant")


class TokenOut(Schema):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


class RefreshIn(Strict):
    refresh_token: str = Field(min_length=1, max_length=512)


class RegisterIn(Strict):
    email: str = Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN)
    password: str = Field(min_length=1, max_length=256)
    full_name: str = Field(min_length=1, max_length=150)
    language: Language = Language.ENGLISH


class VerifyEmailIn(Strict):
    token: str = Field(min_length=1, max_length=512)


class PasswordResetIn(Strict):
    email: str = Field(min_length=1, max_length=254)


class PasswordResetConfirmIn(Strict):
    uid: str = Field(min_length=1, max_length=64)
    token: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class PasswordChangeIn(Strict):
    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class ProfileUpdateIn(Strict):
    full_name: str | None = Field(default=None, min_length=1, max_length=150)
    phone: str | None = Field(default=None, max_length=32, description="International format")
    language: Language | None = None


class MembershipOut(Schema):
    """One of the caller's roles, read from a Membership with its tenant."""

    tenant_id: int
    tenant_name: str
    tenant_kind: str
    service: str
    role: str

    @staticmethod
    def resolve_tenant_name(obj: Membership) -> str:
        return obj.tenant.name

    @staticmethod
    def resolve_tenant_kind(obj: Membership) -> str:
        return obj.tenant.kind

    @staticmethod
    def resolve_service(obj: Membership) -> str:
        return obj.tenant.service


class ProfileOut(Schema):
    """A user's own profile, read from a User."""

    id: int
    email: str
    full_name: str
    phone: str
    language: str
    email_verified: bool
    mfa_enabled: bool
    is_superadmin: bool

    @staticmethod
    def resolve_is_superadmin(obj: User) -> bool:
        return obj.is_superuser


class MeOut(ProfileOut):
    memberships: list[MembershipOut]

    @staticmethod
    def resolve_memberships(obj: User) -> list[Membership]:
        from core.accounts.services.memberships import membership_list_of_user

        return list(membership_list_of_user(user=obj))


class TenantOut(Schema):
    id: int
    name: str
    kind: str
    service: str
    roles: list[str]


class MemberOut(Schema):
    """A member of a tenant as its administrators see them, read from a Membership."""

    id: int
    user_id: int
    email: str
    full_name: str
    role: str
    mfa_enabled: bool
    invited: bool = Field(description="The person has not set a password yet")
    created_at: datetime

    @staticmethod
    def resolve_email(obj: Membership) -> str:
        return obj.user.email

    @staticmethod
    def resolve_full_name(obj: Membership) -> str:
        return obj.user.full_name

    @staticmethod
    def resolve_mfa_enabled(obj: Membership) -> bool:
        # membership_list_for annotates this to avoid one query per row
        annotated = getattr(obj, "user_mfa_enabled", None)
        return obj.user.mfa_enabled if annotated is None else bool(annotated)

    @staticmethod
    def resolve_invited(obj: Membership) -> bool:
        return not obj.user.has_usable_password()


class MemberAddIn(Strict):
    email: str = Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN)
    role: str = Field(min_length=1, max_length=32)


class MemberChangeIn(Strict):
    role: str = Field(min_length=1, max_length=32)
