"""Users (email login), tenant memberships with roles, MFA devices, sessions, refresh tokens."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.accounts.roles import NON_STAFF_ROLES, Role
from core.crypto.fields import EncryptedTextField


class UserManager(BaseUserManager["User"]):
    """Creates users keyed by a normalised (lower-case) email address."""

    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalise_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        extra.setdefault("email_verified_at", timezone.now())
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=normalise_email(username or ""))


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively; we store them trimmed and lower-cased."""
    return email.strip().lower()


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    INDONESIAN = "id", "Bahasa Indonesia"
    SPANISH = "es", "Español"


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address. `is_superuser` is the platform superadmin."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    phone = EncryptedTextField(_("phone number"), blank=True, default="")
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the Django admin site.")
    email_verified_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def role_set(self) -> set[str]:
        """Every role the user holds in any tenant, plus superadmin."""
        roles = set(self.memberships.values_list("role", flat=True))
        if self.is_superuser:
            roles.add(Role.SUPERADMIN)
        return roles

    @property
    def is_staff_member(self) -> bool:
        """Staff (any role but customer/motorist) must use MFA and get short sessions."""
        return bool(self.role_set() - NON_STAFF_ROLES)

    @property
    def mfa_enabled(self) -> bool:
        return self.mfa_devices.filter(confirmed_at__isnull=False).exists()


class Membership(models.Model):
    """A user's role in one tenant. A user may hold several roles in several tenants."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant", "role"], name="uniq_membership")
        ]
        ordering = ["tenant_id", "role"]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.tenant_id}:{self.role}"


class MFADevice(models.Model):
    """A TOTP authenticator. Unconfirmed devices exist only during enrolment."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mfa_devices")
    secret = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last accepted time step; a code is never accepted twice.
    last_used_step = models.BigIntegerField(default=0)


class RecoveryCode(models.Model):
    """A one-time MFA recovery code, stored hashed."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class UserSession(models.Model):
    """A signed-in browser session, listed to its owner and revocable by them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="web_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at"]


class KnownDevice(models.Model):
    """A browser or app a user has signed in from; a sign-in from a new one is announced."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="known_devices")
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the channel and user agent
    label = models.CharField(max_length=120)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "fingerprint"], name="known_device_once")
        ]


class RefreshToken(models.Model):
    """An opaque API refresh token, stored as a SHA-256 hash, rotated on every use.

    All tokens descended from one login share a `family`; presenting a spent token
    revokes the whole family (the token was stolen or replayed).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    tenant = models.ForeignKey(
        "tenancy.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    family = models.UUIDField(default=uuid.uuid4, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"])]
