"""Account forms: they parse and check shape only; services decide everything else."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from core.accounts.models import Language
from core.errors import ApplicationError


def _attrs(autocomplete: str, **extra: str) -> dict[str, str]:
    return {"autocomplete": autocomplete, **extra}


class BaseForm(forms.Form):
    """Adds `add_service_error`, which places a domain error on the field it concerns."""

    def add_service_error(self, exc: ApplicationError, field: str | None = None) -> None:
        """Show each policy message (or the error's message) on `field` or the whole form."""
        messages = exc.extra.get("errors") or [exc.message]
        for message in messages:
            self.add_error(field, message)


class LoginForm(BaseForm):
    email = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs=_attrs("username"))
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs=_attrs("current-password")),
    )


class OtpForm(BaseForm):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=32,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs=_attrs(
                "one-time-code", inputmode="text", autocapitalize="off", spellcheck="false"
            )
        ),
    )


class NewPasswordMixin(forms.Form):
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs=_attrs("new-password")),
    )
    new_password2 = forms.CharField(
        label=_("Repeat the new password"),
        strip=False,
        widget=forms.PasswordInput(attrs=_attrs("new-password")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = password_validators_help_text_html()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two passwords do not match."))
        return data


class RegisterForm(NewPasswordMixin, BaseForm):
    """No role field, ever: a new account joins organisations only when an admin adds it."""

    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs=_attrs("name"))
    )
    email = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs=_attrs("email"))
    )
    language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)
    field_order = ["full_name", "email", "new_password1", "new_password2", "language"]


class EmailForm(BaseForm):
    email = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs=_attrs("email"))
    )


class SetPasswordForm(NewPasswordMixin, BaseForm):
    pass


class PasswordChangeForm(NewPasswordMixin, BaseForm):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs=_attrs("current-password")),
    )
    field_order = ["old_password", "new_password1", "new_password2"]


class ProfileForm(BaseForm):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs=_attrs("name"))
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=32,
        help_text=_("International format, e.g. +62 812 3456 7890 or +1 868 555 0123."),
        widget=forms.TextInput(attrs=_attrs("tel", inputmode="tel")),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)


class MfaConfirmForm(BaseForm):
    code = forms.RegexField(
        label=_("6-digit code"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": _("Enter the 6 digits shown in your authenticator app.")},
        widget=forms.TextInput(
            attrs=_attrs("one-time-code", inputmode="numeric", maxlength="7", pattern=r"[0-9 ]*")
        ),
    )


class PasswordConfirmForm(BaseForm):
    password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs=_attrs("current-password")),
    )
