"""Forms of the platform workspace: they parse input; the registry services decide."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from water.registry.models import ClientStatus, ServiceFeeType

TIMEZONES = [
    ("Asia/Jakarta", _("Western Indonesia (WIB, Asia/Jakarta)")),
    ("Asia/Pontianak", _("Western Indonesia (WIB, Asia/Pontianak)")),
    ("Asia/Makassar", _("Central Indonesia (WITA, Asia/Makassar)")),
    ("Asia/Jayapura", _("Eastern Indonesia (WIT, Asia/Jayapura)")),
]
REASON_MAX = 300


def errors_from(form: forms.Form, exc: ApplicationError) -> None:
    """Put a service's refusal on the fields it names, or on the form as a whole."""
    placed = False
    for item in exc.extra.get("errors", []) or []:
        field = item.get("field")
        if field in form.fields:
            form.add_error(field, str(item.get("message") or exc.message))
            placed = True
    if not placed:
        form.add_error(None, exc.message)


class ClientCreateForm(forms.Form):
    """A new water authority: its tenant and its client profile."""

    name = forms.CharField(label=_("Display name"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name (slug)"),
        max_length=64,
        help_text=_("Lower-case letters, digits and dashes; used in links. Cannot be changed."),
    )
    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    npwp = forms.CharField(label=_("NPWP (tax id)"), max_length=32)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONES, initial="Asia/Jakarta")
    contact_name = forms.CharField(label=_("Contact person"), max_length=150)
    contact_email = forms.EmailField(label=_("Contact email"))
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    province = forms.CharField(label=_("Province"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    admin_email = forms.EmailField(
        label=_("First administrator's email"),
        required=False,
        help_text=_("They receive an invitation to the authority's workspace."),
    )


class ClientStatusForm(forms.Form):
    """Suspend or reactivate, always with a reason for the audit log."""

    status = forms.ChoiceField(choices=ClientStatus.choices)
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX, strip=True)


class ServiceFeeForm(forms.Form):
    """The platform's fee on each top-up: a percentage or a fixed amount in Rupiah."""

    service_fee_type = forms.ChoiceField(label=_("Fee type"), choices=ServiceFeeType.choices)
    service_fee_value = forms.CharField(
        label=_("Fee"),
        max_length=12,
        help_text=_("A percentage such as 2.5, or whole Rupiah such as 1500."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, raw = data.get("service_fee_type"), data.get("service_fee_value")
        if kind is None or raw is None:
            return data
        text = str(raw).strip().replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            self.add_error("service_fee_value", _("Enter a number."))
            return data
        if kind == ServiceFeeType.PERCENTAGE:
            if not Decimal(0) <= number <= Decimal(100) or number != round(number, 2):
                self.add_error(
                    "service_fee_value",
                    _("Enter a percentage from 0 to 100 with at most two decimals."),
                )
                return data
            data["value"] = int(number * 100)  # basis points
        else:
            if number < 0 or number != number.to_integral_value() or number > 10_000_000:
                self.add_error("service_fee_value", _("Enter whole Rupiah from 0 to 10,000,000."))
                return data
            data["value"] = int(number)
        return data


REVIEW_CHOICES = [
    ("start_review", _("Start review")),
    ("approve", _("Approve")),
    ("request_update", _("Ask for changes")),
    ("reject", _("Reject")),
]


class ReviewForm(forms.Form):
    """One review step on a property; the state machine decides whether it is allowed."""

    action = forms.ChoiceField(choices=REVIEW_CHOICES)
    notes = forms.CharField(label=_("Reason or notes"), required=False, max_length=2000)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") in {"reject", "request_update"} and not data.get("notes"):
            self.add_error("notes", _("Give the reason or the changes needed."))
        return data


class AuditFilterForm(forms.Form):
    """Filters of the audit log; dates are whole days in the platform's time zone."""

    action = forms.ChoiceField(label=_("Action"), required=False)
    tenant = forms.TypedChoiceField(label=_("Tenant"), required=False, coerce=int, empty_value=None)
    actor = forms.CharField(label=_("Actor email"), required=False, max_length=254)
    since = forms.DateField(label=_("From"), required=False)
    until = forms.DateField(label=_("To (inclusive)"), required=False)
    target_type = forms.CharField(label=_("Target type"), required=False, max_length=64)
    target_id = forms.CharField(label=_("Target id"), required=False, max_length=64)

    def __init__(
        self,
        data: Any,
        *,
        actions: list[str],
        tenants: list[tuple[int, str]],
    ) -> None:
        super().__init__(data)
        action_field = cast("forms.ChoiceField", self.fields["action"])
        tenant_field = cast("forms.ChoiceField", self.fields["tenant"])
        action_field.choices = [("", _("Any action")), *((a, a) for a in actions)]
        tenant_field.choices = [("", _("Any tenant")), *tenants]

    @staticmethod
    def day_start(day: dt.date | None, zone: str = "Asia/Jakarta") -> dt.datetime | None:
        if day is None:
            return None
        return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(zone))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date is before the start date."))
        return data
