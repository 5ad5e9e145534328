"""JWT key ring, access-token verification, refresh-token rotation and reuse detection."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import stat
import threading
import time
from datetime import timedelta

import jwt
import pyotp
import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from core.accounts import tokens
from core.accounts.errors import InvalidToken
from core.accounts.models import RefreshToken
from core.accounts.services.tokens import token_refresh
from core.api.tests.helpers import JSON, forge, jwt_keys_in
from core.api.tests.keyring_race import create_first_key
from core.audit import actions
from core.audit.models import AuditEvent


@pytest.fixture(autouse=True)
def keys_dir(tmp_path):
    with jwt_keys_in(tmp_path / "jwt") as directory:
        yield directory


def _obtain(client, email, password, **extra):
    return client.post(
        "/api/v1/auth/token", {"email": email, "password": password, **extra}, content_type=JSON
    )


def _next_otp(secret):
    # enrolment spent the current 30-second step; the verifier accepts the next one (drift)
    return pyotp.TOTP(secret).at(time.time() + 30)


def _me(client, token):
    return client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def _claims(user_id=1, **overrides):
    now = int(timezone.now().timestamp())
    claims = {
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        "sub": str(user_id),
        "tenant": None,
        "roles": [],
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "jti": "abc",
    }
    claims.update(overrides)
    return claims


def _active_key():
    key = tokens.key_ring().active()
    assert key is not None
    return key


# ---------------------------------------------------------------------------- key ring


def test_first_use_creates_a_private_key_file_and_manifest(keys_dir):
    # when
    ring = tokens.key_ring()
    # then
    key = ring.active()
    assert key is not None
    pem = keys_dir / f"{key.kid}.pem"
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert key.private_key.key_size >= 2048
    manifest = json.loads((keys_dir / "manifest.json").read_text())
    assert list(manifest["keys"]) == [key.kid]
    assert manifest["keys"][key.kid]["retired_at"] is None


def test_two_processes_racing_on_a_fresh_directory_create_exactly_one_key(keys_dir):
    # given two processes that start creating the first key at the same moment
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(2), ctx.Queue()
    children = [
        ctx.Process(target=create_first_key, args=(keys_dir, barrier, queue)) for _ in range(2)
    ]
    # when
    for child in children:
        child.start()
    for child in children:
        child.join(30)
    results = sorted([queue.get(timeout=5), queue.get(timeout=5)], key=lambda r: r is not None)
    # then one created a key, the other saw it and did nothing
    assert results[0] is None
    assert isinstance(results[1], str)
    manifest = json.loads((keys_dir / "manifest.json").read_text())
    assert list(manifest["keys"]) == [results[1]]
    assert sorted(p.name for p in keys_dir.glob("*.pem")) == [f"{results[1]}.pem"]


def test_ring_reloads_when_another_process_rotates(keys_dir):
    # given a cached ring
    first = _active_key().kid
    # when another process rotates (writing the manifest behind our back)
    new_kid = tokens._rotate_locked(keys_dir, overlap=timedelta(hours=1), only_if_missing=False)
    # then the next read sees the new active key and still knows the old one
    ring = tokens.key_ring()
    assert _active_key().kid == new_kid != first
    assert [k.kid for k in ring.keys] == [new_kid, first]


# ---------------------------------------------------------------------------- access tokens


@pytest.mark.django_db
def test_token_endpoint_issues_an_rs256_access_token_with_the_documented_claims(
    client, user_factory, membership_factory, tenant_factory, password
):
    # given a customer of two tenants
    user = user_factory()
    first, second = tenant_factory(), tenant_factory()
    membership_factory(user=user, tenant=second, role="customer")
    membership_factory(user=user, tenant=first, role="customer")
    # when
    response = _obtain(client, user.email, password)
    # then
    assert response.status_code == 200
    body = response.json()
    assert sorted(body) == ["access_token", "expires_in", "refresh_token", "token_type"]
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 900)
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "RS256"
    assert header["kid"] == _active_key().kid
    claims = tokens.access_token_decode(body["access_token"])
    assert claims["iss"] == settings.JWT_ISSUER
    assert claims["aud"] == settings.JWT_AUDIENCE
    assert claims["sub"] == str(user.pk)
    assert claims["tenant"] == first.pk
    assert claims["roles"] == ["customer"]
    assert claims["exp"] - claims["iat"] == 900
    assert claims["nbf"] == claims["iat"]
    assert len(claims["jti"]) == 32


@pytest.mark.django_db
def test_token_for_a_chosen_tenant_carries_that_tenant_and_superadmin_role(
    client, user_factory, membership_factory, tenant_factory, password, mfa_enrol
):
    # given a superadmin (staff, MFA enrolled) who is also a customer somewhere
    user = user_factory(is_superuser=True)
    secret, _ = mfa_enrol(user)
    tenant, other = tenant_factory(), tenant_factory()
    membership_factory(user=user, tenant=tenant, role="customer")
    # when
    response = _obtain(client, user.email, password, otp=_next_otp(secret), tenant_id=other.pk)
    # then a superadmin may scope to any tenant
    assert response.status_code == 200
    claims = tokens.access_token_decode(response.json()["access_token"])
    assert (claims["tenant"], claims["roles"]) == (other.pk, ["superadmin"])


@pytest.mark.django_db
def test_token_for_a_tenant_the_user_does_not_belong_to_is_refused(
    client, user_factory, tenant_factory, password
):
    # given
    user = user_factory()
    foreign = tenant_factory()
    # when
    response = _obtain(client, user.email, password, tenant_id=foreign.pk)
    # then
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert RefreshToken.objects.count() == 0


@pytest.mark.django_db
def test_staff_without_mfa_cannot_obtain_tokens(client, membership_factory, password):
    # given an operator without an authenticator
    user = membership_factory(role="client_operator").user
    # when
    response = _obtain(client, user.email, password)
    # then
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_enrolment_required"
    assert RefreshToken.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("otp", "code"), [(None, "mfa_required"), ("000000", "invalid_otp")], ids=["none", "wrong"]
)
def test_enrolled_user_must_send_a_valid_otp(
    client, membership_factory, password, mfa_enrol, otp, code
):
    # given
    user = membership_factory(role="client_admin").user
    mfa_enrol(user)
    extra = {} if otp is None else {"otp": otp}
    # when
    response = _obtain(client, user.email, password, **extra)
    # then
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert RefreshToken.objects.count() == 0


@pytest.mark.django_db
def test_enrolled_staff_with_a_valid_otp_gets_tokens_and_the_issue_is_audited(
    client, membership_factory, password, mfa_enrol
):
    # given
    membership = membership_factory(role="client_admin")
    secret, _ = mfa_enrol(membership.user)
    # when
    response = _obtain(client, membership.user.email, password, otp=_next_otp(secret))
    # then
    assert response.status_code == 200
    claims = tokens.access_token_decode(response.json()["access_token"])
    assert (claims["tenant"], claims["roles"]) == (membership.tenant_id, ["client_admin"])
    event = AuditEvent.objects.get(action=actions.TOKEN_ISSUED)
    assert (event.actor_id, event.data["mfa"]) == (membership.user.pk, True)


@pytest.mark.django_db
def test_wrong_password_is_refused_without_tokens(client, user_factory):
    user = user_factory()
    response = _obtain(client, user.email, "wrong-password")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert RefreshToken.objects.count() == 0


# ---------------------------------------------------------------------------- verification


def _bad_tokens(user_id):
    """Each forged or broken token the verifier must refuse, by name."""
    key = _active_key()
    private = key.private_key
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    good = jwt.encode(_claims(user_id), private, algorithm="RS256", headers={"kid": key.kid})
    head, payload, signature = good.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return {
        "alg_none": forge({"alg": "none", "kid": key.kid}, _claims(user_id), hmac_key=None),
        "hs256_with_public_key": forge(
            {"alg": "HS256", "typ": "JWT", "kid": key.kid}, _claims(user_id), hmac_key=public_pem
        ),
        "wrong_audience": jwt.encode(
            _claims(user_id, aud="someone-else"), private, "RS256", headers={"kid": key.kid}
        ),
        "wrong_issuer": jwt.encode(
            _claims(user_id, iss="https://evil.example"), private, "RS256", headers={"kid": key.kid}
        ),
        "expired": jwt.encode(
            _claims(user_id, iat=1_000_000, nbf=1_000_000, exp=1_000_900),
            private,
            "RS256",
            headers={"kid": key.kid},
        ),
        "unknown_kid": jwt.encode(
            _claims(user_id), private, "RS256", headers={"kid": "20200101000000-deadbeef0000"}
        ),
        "tampered_signature": f"{head}.{payload}.{flipped}",
        "tampered_payload": f"{head}.{forge({}, _claims(user_id + 1), hmac_key=None).split('.')[1]}"
        f".{signature}",
        "missing_kid": jwt.encode(_claims(user_id), private, "RS256"),
        "garbage": "not-a-jwt",
    }


BAD_TOKEN_NAMES = [
    "alg_none",
    "hs256_with_public_key",
    "wrong_audience",
    "wrong_issuer",
    "expired",
    "unknown_kid",
    "tampered_signature",
    "tampered_payload",
    "missing_kid",
    "garbage",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", BAD_TOKEN_NAMES)
def test_forged_or_invalid_access_tokens_are_refused_with_invalid_token(client, user_factory, name):
    # given a real user the forged token claims to be
    user = user_factory()
    token = _bad_tokens(user.pk)[name]
    # when
    response = _me(client, token)
    # then
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_token"


@pytest.mark.django_db
def test_a_correctly_signed_token_is_accepted(client, user_factory):
    # the control for the refusals above: the same recipe with nothing broken works
    user = user_factory()
    key = _active_key()
    token = jwt.encode(_claims(user.pk), key.private_key, "RS256", headers={"kid": key.kid})
    response = _me(client, token)
    assert response.status_code == 200
    assert response.json()["id"] == user.pk


# ---------------------------------------------------------------------------- rotation


@pytest.mark.django_db
def test_token_signed_before_rotation_verifies_within_the_overlap_and_fails_after(
    client, user_factory, keys_dir, monkeypatch
):
    # given a token signed by the current key
    user = user_factory()
    old_kid = _active_key().kid
    token = tokens.access_token_encode(user_id=user.pk, tenant_id=None, roles=[])
    # when the keys are rotated with a 30-minute overlap
    call_command("rotate_jwt_keys", "--overlap-minutes", "30")
    # then the old token still works and both keys are published
    new_kid = _active_key().kid
    assert new_kid != old_kid
    assert _me(client, token).status_code == 200
    published = [k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]]
    assert published == [new_kid, old_kid]
    new_token = tokens.access_token_encode(user_id=user.pk, tenant_id=None, roles=[])
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    event = AuditEvent.objects.get(action=actions.KEYS_ROTATED)
    assert event.data == {"kind": "jwt", "kid": new_kid, "overlap_seconds": 1800}
    # when the overlap has passed (the token itself would still be within its exp leeway)
    later = timezone.now() + timedelta(minutes=31)
    monkeypatch.setattr(tokens, "_now", lambda: later)
    # then the old key no longer verifies and is no longer published
    response = _me(client, token)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    published = [k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]]
    assert published == [new_kid]
    # and the next rotation prunes its file
    call_command("rotate_jwt_keys", "--overlap-minutes", "30")
    assert not (keys_dir / f"{old_kid}.pem").exists()
    assert (keys_dir / f"{new_kid}.pem").exists()


@pytest.mark.django_db
def test_jwks_lists_rsa_public_keys_only(client):
    # when
    response = client.get("/.well-known/jwks.json")
    # then
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"
    [key] = response.json()["keys"]
    assert sorted(key) == ["alg", "e", "kid", "kty", "n", "use"]
    assert (key["kty"], key["use"], key["alg"], key["e"]) == ("RSA", "sig", "RS256", "AQAB")
    assert key["kid"] == _active_key().kid
    public = jwt.PyJWK(key).key
    assert public.public_numbers().n == _active_key().private_key.public_key().public_numbers().n


# ---------------------------------------------------------------------------- refresh tokens


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.mark.django_db
def test_refresh_rotates_the_token_within_its_family(client, user_factory, password):
    # given
    user = user_factory()
    first = _obtain(client, user.email, password).json()
    # when
    response = client.post(
        "/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]}, content_type=JSON
    )
    # then
    assert response.status_code == 200
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    old = RefreshToken.objects.get(token_hash=_digest(first["refresh_token"]))
    new = RefreshToken.objects.get(token_hash=_digest(second["refresh_token"]))
    assert old.used_at is not None
    assert (new.family, new.used_at, new.revoked_at) == (old.family, None, None)
    assert new.expires_at - new.created_at >= timedelta(days=30) - timedelta(seconds=5)
    assert RefreshToken.objects.filter(token_hash=first["refresh_token"]).count() == 0
    assert _me(client, second["access_token"]).status_code == 200


@pytest.mark.django_db
def test_replaying_a_spent_refresh_token_revokes_the_whole_family(client, user_factory, password):
    # given a token that was already exchanged, and its successor
    user = user_factory()
    first = _obtain(client, user.email, password).json()["refresh_token"]
    second = client.post("/api/v1/auth/refresh", {"refresh_token": first}, content_type=JSON)
    successor = second.json()["refresh_token"]
    # when the spent token is presented again
    response = client.post("/api/v1/auth/refresh", {"refresh_token": first}, content_type=JSON)
    # then it is refused, the family is revoked and the reuse is audited
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 0
    event = AuditEvent.objects.get(action=actions.TOKEN_REUSE_DETECTED)
    assert (event.actor_id, event.data["revoked"]) == (user.pk, 2)
    # and the successor is dead too
    after = client.post("/api/v1/auth/refresh", {"refresh_token": successor}, content_type=JSON)
    assert after.status_code == 401


@pytest.mark.django_db
def test_expired_or_unknown_refresh_tokens_are_refused(client, user_factory, password):
    # given an expired token
    user = user_factory()
    token = _obtain(client, user.email, password).json()["refresh_token"]
    RefreshToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    # when / then
    for candidate in (token, "unknown-token"):
        response = client.post(
            "/api/v1/auth/refresh", {"refresh_token": candidate}, content_type=JSON
        )
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_token"
    assert RefreshToken.objects.get().used_at is None


@pytest.mark.django_db
def test_logout_revokes_the_family(client, user_factory, password):
    # given
    user = user_factory()
    token = _obtain(client, user.email, password).json()["refresh_token"]
    # when
    response = client.post("/api/v1/auth/logout", {"refresh_token": token}, content_type=JSON)
    # then
    assert response.status_code == 204
    assert RefreshToken.objects.get().revoked_at is not None
    refused = client.post("/api/v1/auth/refresh", {"refresh_token": token}, content_type=JSON)
    assert refused.status_code == 401
    assert AuditEvent.objects.filter(action=actions.LOGOUT).count() == 1


@pytest.mark.django_db
def test_logout_with_an_unknown_token_answers_204_and_changes_nothing(client):
    response = client.post("/api/v1/auth/logout", {"refresh_token": "nope"}, content_type=JSON)
    assert response.status_code == 204
    assert AuditEvent.objects.filter(action=actions.LOGOUT).count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_token_yield_exactly_one_success(user_factory, password):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks")
    # given one refresh token
    from core.accounts.services.tokens import token_obtain

    user = user_factory()
    pair = token_obtain(
        email=user.email, password=password, otp=None, tenant_id=None, ip="10.0.0.1"
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def refresh() -> None:
        barrier.wait()
        try:
            token_refresh(refresh_token=pair.refresh_token)
            outcomes.append("ok")
        except InvalidToken:
            outcomes.append("refused")
        finally:
            connection.close()

    # when two threads spend it at the same moment
    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # then exactly one wins; the loser is treated as a replay
    assert sorted(outcomes) == ["ok", "refused"]
    assert RefreshToken.objects.filter(used_at__isnull=False).count() == 1


@pytest.mark.django_db
def test_refresh_after_losing_the_tenant_falls_back_to_the_remaining_one(
    client, user_factory, membership_factory, tenant_factory, password
):
    # given a token scoped to a tenant the user has since been removed from
    user = user_factory()
    first, second = tenant_factory(), tenant_factory()
    gone = membership_factory(user=user, tenant=first, role="customer")
    membership_factory(user=user, tenant=second, role="customer")
    refresh = _obtain(client, user.email, password, tenant_id=first.pk).json()["refresh_token"]
    gone.delete()
    # when
    response = client.post("/api/v1/auth/refresh", {"refresh_token": refresh}, content_type=JSON)
    # then
    assert response.status_code == 200
    claims = tokens.access_token_decode(response.json()["access_token"])
    assert (claims["tenant"], claims["roles"]) == (second.pk, ["customer"])


@pytest.mark.django_db
def test_refresh_refuses_a_user_who_became_staff_without_mfa(
    client, user_factory, membership_factory, password
):
    # given a customer's token, then an operator role granted to them
    user = user_factory()
    refresh = _obtain(client, user.email, password).json()["refresh_token"]
    membership_factory(user=user, role="client_operator")
    # when
    response = client.post("/api/v1/auth/refresh", {"refresh_token": refresh}, content_type=JSON)
    # then
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_enrolment_required"
    assert RefreshToken.objects.get().used_at is None


def test_without_auto_create_a_missing_key_is_a_configuration_error(tmp_path):
    from django.core.exceptions import ImproperlyConfigured
    from django.test import override_settings

    from core.accounts import tokens as token_module

    with override_settings(JWT_KEYS_DIR=tmp_path / "empty", JWT_AUTO_CREATE_KEY=False):
        (tmp_path / "empty").mkdir()
        with pytest.raises(ImproperlyConfigured, match="run `manage.py rotate_jwt_keys`"):
            token_module.key_ring()
        assert list((tmp_path / "empty").iterdir()) == []
