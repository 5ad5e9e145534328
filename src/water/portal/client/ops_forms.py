"""Forms of the staff meter pages: they parse and check shape; services decide the rest."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from water.topups.fees import MAX_IDR, MIN_IDR

# The meters API's rule for serials (MeterRegisterIn / MeterReplaceIn).
SERIAL = RegexValidator(
    r"^[A-Za-z0-9._-]+$", _("Use letters, digits, dots, dashes and underscores only.")
)


class MeterRegisterForm(forms.Form):
    serial = forms.CharField(
        label=_("Serial number"), min_length=3, max_length=64, validators=[SERIAL]
    )
    property_code = forms.CharField(label=_("Property code"), max_length=32)
    customer_number = forms.CharField(label=_("Customer number"), max_length=32, required=False)
    model = forms.CharField(label=_("Model"), max_length=64, required=False)
    firmware = forms.CharField(label=_("Firmware"), max_length=32, required=False)
    install_date = forms.DateField(label=_("Installation date"), required=False)


class ValveForm(forms.Form):
    action = forms.ChoiceField(choices=[("open", _("Open")), ("close", _("Close"))])
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CashTopupForm(forms.Form):
    amount_idr = forms.IntegerField(
        label=_("Amount received (Rp)"), min_value=MIN_IDR, max_value=MAX_IDR
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
    idempotency_key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)


class AssignForm(forms.Form):
    customer_number = forms.CharField(label=_("Customer number"), max_length=32)


class ReplaceForm(forms.Form):
    new_serial = forms.CharField(
        label=_("New serial number"), min_length=3, max_length=64, validators=[SERIAL]
    )
    final_register_litres = forms.IntegerField(
        label=_("Old meter's final register (litres)"), min_value=0, required=False
    )
