"""Error codes of the accounts app."""

from __future__ import annotations

from core.errors import ApplicationError


class InvalidCredentials(ApplicationError):
    code = "invalid_credentials"
    status = 401
    title = "Email or password is incorrect"


class AccountInactive(ApplicationError):
    code = "account_inactive"
    status = 403
    title = "This account is disabled"


class EmailNotVerified(ApplicationError):
    code = "email_not_verified"
    status = 403
    title = "Verify your email address before signing in"


class MfaRequired(ApplicationError):
    code = "mfa_required"
    status = 401
    title = "A one-time code from your authenticator app is required"


class InvalidOtp(ApplicationError):
    code = "invalid_otp"
    status = 401
    title = "The one-time code is not valid"


class MfaEnrolmentRequired(ApplicationError):
    code = "mfa_enrolment_required"
    status = 403
    title = "Staff accounts must enrol an authenticator app before using the API"


class InvalidToken(ApplicationError):
    code = "invalid_token"
    status = 401
    title = "The token is invalid or expired"


class PasswordPolicyError(ApplicationError):
    code = "password_policy"
    status = 422
    title = "The password does not meet the policy"


class InvalidRole(ApplicationError):
    code = "invalid_role"
    status = 422
    title = "This role does not exist for this kind of tenant"


class LastAdminError(ApplicationError):
    code = "last_admin"
    status = 409
    title = "A tenant must keep at least one administrator"
