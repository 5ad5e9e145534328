"""Stable names of audited actions. Reports and alerts key on these strings."""

# ruff: noqa: S105 - action names such as "auth.password_changed" are not secrets

from __future__ import annotations

# Authentication
LOGIN_SUCCEEDED = "auth.login_succeeded"
LOGIN_FAILED = "auth.login_failed"
LOGIN_THROTTLED = "auth.login_throttled"
LOGOUT = "auth.logout"
TOKEN_ISSUED = "auth.token_issued"
TOKEN_REFRESHED = "auth.token_refreshed"
TOKEN_REUSE_DETECTED = "auth.token_reuse_detected"
SESSION_REVOKED = "auth.session_revoked"
USER_REGISTERED = "auth.user_registered"
EMAIL_VERIFIED = "auth.email_verified"
PASSWORD_CHANGED = "auth.password_changed"
PASSWORD_RESET_REQUESTED = "auth.password_reset_requested"
PASSWORD_RESET_COMPLETED = "auth.password_reset_completed"
PROFILE_UPDATED = "auth.profile_updated"
# MFA
MFA_ENABLED = "mfa.enabled"
MFA_DISABLED = "mfa.disabled"
MFA_RESET_BY_ADMIN = "mfa.reset_by_admin"
MFA_RECOVERY_CODES_GENERATED = "mfa.recovery_codes_generated"
MFA_RECOVERY_CODE_USED = "mfa.recovery_code_used"
# Roles and memberships
MEMBERSHIP_ADDED = "membership.added"
MEMBERSHIP_ROLE_CHANGED = "membership.role_changed"
MEMBERSHIP_REMOVED = "membership.removed"
PLATFORM_ADMIN_CHANGED = "platform.admin_changed"
# Configuration and keys
CONFIG_CHANGED = "config.changed"
KEYS_ROTATED = "keys.rotated"
DATA_REENCRYPTED = "keys.data_reencrypted"
# Money
MONEY_MOVED = "money.moved"
# Payments
PAYMENT_CREATED = "payment.created"
PAYMENT_STATE_CHANGED = "payment.state_changed"
PAYMENT_AMOUNT_MISMATCH = "payment.amount_mismatch"
PAYMENT_CONFLICT = "payment.conflict"
PAYMENT_REFUND_REQUESTED = "payment.refund_requested"
PAYMENT_NOTIFICATION_REJECTED = "payment.notification_rejected"
PAYMENT_CREDENTIALS_CHANGED = "payment.credentials_changed"
