"""Account pages, mounted at /accounts/. MFA pages stay under /accounts/mfa/ because the
session policy lets staff without MFA reach only that prefix."""

from django.urls import path

from core.accounts.views import mfa, password, profile, register, signin

app_name = "accounts"
urlpatterns = [
    path("login/", signin.login_view, name="login"),
    path("login/verify/", signin.login_mfa_view, name="login_mfa"),
    path("logout/", signin.logout_view, name="logout"),
    path("register/", register.register_view, name="register"),
    path("verify-email/", register.verify_email_view, name="verify_email"),
    path("verify-email/sent/", register.verify_email_sent_view, name="verify_email_sent"),
    path("verify-email/<str:token>/", register.verify_email_view, name="verify_email"),
    path("password/reset/", password.password_reset_view, name="password_reset"),
    path("password/reset/sent/", password.password_reset_done_view, name="password_reset_done"),
    path(
        "password/reset/<str:uidb64>/<str:token>/",
        password.password_reset_confirm_view,
        name="password_reset_confirm",
    ),
    path("password/", password.password_change_view, name="password_change"),
    path("profile/", profile.profile_view, name="profile"),
    path("sessions/", profile.sessions_view, name="sessions"),
    path("sessions/<int:session_id>/revoke/", profile.session_revoke_view, name="session_revoke"),
    path("mfa/", mfa.mfa_setup_view, name="mfa_setup"),
    path("mfa/recovery-codes/", mfa.mfa_recovery_codes_view, name="mfa_recovery_codes"),
    path("mfa/disable/", mfa.mfa_disable_view, name="mfa_disable"),
]
