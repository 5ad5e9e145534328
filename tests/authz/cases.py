"""How to call each route in the authorization matrix.

Each area keeps its cases in a sibling module named ``cases_<area>.py`` exporting ``CASES``;
they are merged into this module's ``CASES`` (a key defined twice is an error). Keys are
``(METHOD, path)`` for API operations and ``("*", path)`` for pages, exactly as
`routes.all_routes()` reports them. `build` returns the URL (with any objects it needs
created inside the tenant in scope) and the request body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.accounts.models import User, UserSession
from core.accounts.services.registration import email_verification_token
from core.accounts.services.tokens import token_obtain
from core.tenancy.models import Tenant
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, UserFactory


@dataclass(frozen=True)
class Ctx:
    """What a case may use: the tenant in scope, the allowed user, and the caller."""

    tenant: Tenant | None
    owner: User | None
    world_user: User | None


@dataclass(frozen=True)
class Case:
    build: Callable[[Ctx], tuple[str, dict[str, Any] | None]]
    method: str = "GET"
    ok: frozenset[int] = field(default_factory=lambda: frozenset({200}))
    multipart: bool = False  # send the body as multipart/form-data (file uploads)


def static(url: str, *, method: str = "GET", body: dict[str, Any] | None = None, ok=(200,)) -> Case:
    return Case(build=lambda ctx: (url, body), method=method, ok=frozenset(ok))


def _unverified_user() -> User:
    return UserFactory(email_verified_at=None)


def _refresh_token(ctx: Ctx) -> str:
    pair = token_obtain(
        email=ctx.owner.email, password=DEFAULT_PASSWORD, otp=None, tenant_id=None, ip="10.9.9.9"
    )
    return pair.refresh_token


def _reset_link(user: User) -> tuple[str, str]:
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


def _member_url(ctx: Ctx, suffix: str = "") -> str:
    member = MembershipFactory(tenant=ctx.tenant, role="customer")
    return f"/api/v1/tenants/{ctx.tenant.pk}/members/{member.pk}{suffix}"


def _tenant_url(ctx: Ctx, suffix: str) -> str:
    return f"/api/v1/tenants/{ctx.tenant.pk}{suffix}"


def _own_session_revoke(ctx: Ctx) -> tuple[str, None]:
    row = UserSession.objects.create(user=ctx.owner, session_key=f"matrix-{ctx.owner.pk}")
    return f"/accounts/sessions/{row.pk}/revoke/", None


def _verify_token() -> str:
    return email_verification_token(user=_unverified_user())


def api(
    build: Callable[[Ctx], tuple[str, dict[str, Any] | None]], *, ok: tuple[int, ...] = (200,)
) -> Case:
    return Case(build=build, ok=frozenset(ok))


CASES: dict[tuple[str, str], Case] = {
    # Framework and operations
    ("*", "/api/openapi.json"): static("/api/openapi.json"),
    ("*", "/api/docs"): static("/api/docs"),
    ("*", "/api/"): static("/api/", ok=(404,)),
    ("*", "/api/<path>"): static("/api/no-such-route", ok=(404,)),
    ("*", "/.well-known/jwks.json"): static("/.well-known/jwks.json"),
    ("*", "/healthz"): static("/healthz"),
    ("*", "/readyz"): static("/readyz"),
    ("*", "/metrics"): static("/metrics"),
    ("*", "/i18n/setlang/"): static(
        "/i18n/setlang/", method="POST", body={"language": "id", "next": "/"}, ok=(302,)
    ),
    # Sign-in and account API
    ("POST", "/api/v1/auth/token"): api(
        lambda ctx: ("/api/v1/auth/token", {"email": ctx.owner.email, "password": DEFAULT_PASSWORD})
    ),
    ("POST", "/api/v1/auth/refresh"): api(
        lambda ctx: ("/api/v1/auth/refresh", {"refresh_token": _refresh_token(ctx)})
    ),
    ("POST", "/api/v1/auth/logout"): api(
        lambda ctx: ("/api/v1/auth/logout", {"refresh_token": _refresh_token(ctx)}), ok=(204,)
    ),
    ("POST", "/api/v1/auth/register"): api(
        lambda ctx: (
            "/api/v1/auth/register",
            {"email": "new.person@example.test", "password": "Fresh-Start-42!", "full_name": "New"},
        ),
        ok=(201,),
    ),
    ("POST", "/api/v1/auth/verify-email"): api(
        lambda ctx: (
            "/api/v1/auth/verify-email",
            {"token": email_verification_token(user=_unverified_user())},
        ),
        ok=(204,),
    ),
    ("POST", "/api/v1/auth/password-reset"): api(
        lambda ctx: ("/api/v1/auth/password-reset", {"email": ctx.owner.email}), ok=(202,)
    ),
    ("POST", "/api/v1/auth/password-reset/confirm"): api(
        lambda ctx: (
            "/api/v1/auth/password-reset/confirm",
            dict(
                zip(("uid", "token"), _reset_link(UserFactory()), strict=True),
                new_password="Another-Start-42!",
            ),
        ),
        ok=(204,),
    ),
    ("GET", "/api/v1/me"): api(lambda ctx: ("/api/v1/me", None)),
    ("PATCH", "/api/v1/me"): api(lambda ctx: ("/api/v1/me", {"full_name": "Renamed Person"})),
    ("POST", "/api/v1/me/password"): api(
        lambda ctx: (
            "/api/v1/me/password",
            {"old_password": DEFAULT_PASSWORD, "new_password": "Brand-New-Pass-9!"},
        ),
        ok=(204,),
    ),
    ("GET", "/api/v1/tenants"): api(lambda ctx: ("/api/v1/tenants", None)),
    # Tenant administration
    ("GET", "/api/v1/tenants/{tenant_id}/members"): api(
        lambda ctx: (_tenant_url(ctx, "/members"), None)
    ),
    ("POST", "/api/v1/tenants/{tenant_id}/members"): api(
        lambda ctx: (
            _tenant_url(ctx, "/members"),
            {"email": "invitee@example.test", "role": "customer"},
        ),
        ok=(201,),
    ),
    ("PATCH", "/api/v1/tenants/{tenant_id}/members/{membership_id}"): api(
        lambda ctx: (_member_url(ctx), {"role": "client_operator"})
    ),
    ("DELETE", "/api/v1/tenants/{tenant_id}/members/{membership_id}"): api(
        lambda ctx: (_member_url(ctx), None), ok=(204,)
    ),
    ("POST", "/api/v1/tenants/{tenant_id}/members/{membership_id}/mfa-reset"): api(
        lambda ctx: (_member_url(ctx, "/mfa-reset"), None), ok=(204,)
    ),
    # Public pages: signed-in visitors of the sign-in and registration pages are sent on.
    ("*", "/"): static("/"),
    ("*", "/accounts/login/"): static("/accounts/login/", ok=(200, 302)),
    ("*", "/accounts/login/verify/"): static("/accounts/login/verify/", ok=(302,)),
    ("*", "/accounts/logout/"): static("/accounts/logout/", method="POST", ok=(302,)),
    ("*", "/accounts/register/"): static("/accounts/register/", ok=(200, 302)),
    ("*", "/accounts/verify-email/"): Case(
        build=lambda ctx: (f"/accounts/verify-email/?token={_verify_token()}", None),
        ok=frozenset({200, 302}),
    ),
    ("*", "/accounts/verify-email/sent/"): static("/accounts/verify-email/sent/"),
    ("*", "/accounts/verify-email/<str:token>/"): Case(
        build=lambda ctx: (f"/accounts/verify-email/{_verify_token()}/", None),
        ok=frozenset({200, 302}),
    ),
    ("*", "/accounts/password/reset/"): static("/accounts/password/reset/"),
    ("*", "/accounts/password/reset/sent/"): static("/accounts/password/reset/sent/"),
    ("*", "/accounts/password/reset/<str:uidb64>/<str:token>/"): Case(
        build=lambda ctx: (
            "/accounts/password/reset/{}/{}/".format(*_reset_link(UserFactory())),
            None,
        ),
    ),
    # Signed-in pages (the right-role actor is a water customer without MFA).
    ("*", "/home/"): static("/home/", ok=(302,)),
    # ?overview=1 shows the overview instead of sending a customer to their workspace
    ("*", "/<service:service>/"): static("/water/?overview=1"),
    ("*", "/accounts/password/"): static("/accounts/password/"),
    ("*", "/accounts/profile/"): static("/accounts/profile/"),
    ("*", "/accounts/sessions/"): static("/accounts/sessions/"),
    ("*", "/accounts/sessions/<int:session_id>/revoke/"): Case(
        build=_own_session_revoke, method="POST", ok=frozenset({302})
    ),
    ("*", "/accounts/mfa/"): static("/accounts/mfa/"),
    ("*", "/accounts/mfa/recovery-codes/"): static("/accounts/mfa/recovery-codes/", ok=(302,)),
    ("*", "/accounts/mfa/disable/"): static("/accounts/mfa/disable/", method="POST", ok=(302,)),
}


def _merge_area_cases() -> None:
    import importlib
    import pkgutil

    import tests.authz as package

    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("cases_"):
            continue
        area = importlib.import_module(f"tests.authz.{module.name}")
        clash = set(CASES) & set(area.CASES)
        if clash:
            raise RuntimeError(f"{module.name} redefines matrix cases: {sorted(clash)}")
        CASES.update(area.CASES)


_merge_area_cases()
