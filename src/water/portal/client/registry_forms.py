"""Forms of the customer, property and tariff pages; the services decide what is valid.

The forms only shape input (types, lengths, choices). NIK, phone, coordinates, uniqueness,
documents and tariff blocks are checked by the registry and tariff services, whose errors are
put back next to the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from water.registry.models import (
    CustomerClass,
    CustomerStatus,
    DocumentType,
    PropertyType,
)
from water.tariffs.pricing import PriceBlock

BLOCK_ROWS = 4
MAX_BLOCKS = 20
MAX_LITRES = 100_000_000


def _text(label: Any, max_length: int, *, required: bool = True, **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.TextInput(attrs=attrs),
    )


def put_errors(form: forms.BaseForm, errors: dict[str, str]) -> None:
    """Show a service's {field: message} next to the field, or above the form."""
    for field, message in errors.items():
        form.add_error(field if field in form.fields else None, message)


class CustomerForm(forms.Form):
    customer_number = _text(_("Customer number"), 32, autocomplete="off")
    full_name = _text(_("Full name"), 150, autocomplete="off")
    customer_class = forms.ChoiceField(
        label=_("Customer class"), choices=CustomerClass.choices, initial=CustomerClass.RESIDENTIAL
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=CustomerStatus.choices, initial=CustomerStatus.ACTIVE
    )
    nik = _text(_("NIK (KTP number)"), 32, required=False, inputmode="numeric", autocomplete="off")
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        help_text=_("0812… or +62 812 3456 7890."),
    )
    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    address = _text(_("Address"), 300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nik"].help_text = _("16 digits. Stored encrypted.")


class PortalAccessForm(forms.Form):
    email = forms.EmailField(
        label=_("Email of the portal account"),
        max_length=254,
        help_text=_("An existing account is linked; otherwise an invitation is sent."),
    )


class PropertyForm(forms.Form):
    code = _text(_("Property code"), 32, autocomplete="off")
    name = _text(_("Name"), 200)
    property_type = forms.ChoiceField(label=_("Property type"), choices=PropertyType.choices)
    address = _text(_("Address"), 300)
    city = _text(_("City or regency"), 100)
    province = _text(_("Province"), 100)
    postal_code = _text(_("Postal code"), 10, required=False, inputmode="numeric")
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6
    )


class DocumentForm(forms.Form):
    document_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, JPEG or PNG, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class ResubmitForm(forms.Form):
    notes = forms.CharField(
        label=_("What changed"), required=False, max_length=1000, widget=forms.Textarea({"rows": 2})
    )


def _money(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=1_000_000_000,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1"}),
    )


class TariffForm(forms.Form):
    name = _text(_("Name"), 120)
    customer_class = forms.ChoiceField(label=_("Customer class"), choices=CustomerClass.choices)
    effective_from = forms.DateField(
        label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    effective_to = forms.DateField(
        label=_("Effective until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty while it has no end."),
    )
    fixed_monthly_charge_idr = _money(_("Fixed monthly charge (Rp)"))
    minimum_charge_idr = _money(_("Minimum monthly charge (Rp)"))


class TariffInForceForm(forms.Form):
    """A tariff in force: only its name and its end date may change."""

    name = _text(_("Name"), 120)
    effective_to = forms.DateField(
        label=_("Effective until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("End it today or later; a new tariff can start the day after."),
    )


class BlockForm(forms.Form):
    from_litres = forms.IntegerField(
        label=_("From (litres)"), min_value=0, max_value=MAX_LITRES, required=False
    )
    to_litres = forms.IntegerField(
        label=_("To (litres)"), min_value=1, max_value=MAX_LITRES, required=False
    )
    price_per_m3_idr = forms.IntegerField(
        label=_("Price per m³ (Rp)"), min_value=1, max_value=100_000_000, required=False
    )

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return all(data.get(name) is None for name in self.fields)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = [data.get(name) is not None for name in ("from_litres", "price_per_m3_idr")]
        if any(filled) or data.get("to_litres") is not None:
            if data.get("from_litres") is None and "from_litres" not in self.errors:
                self.add_error("from_litres", _("Where does this block start?"))
            if data.get("price_per_m3_idr") is None and "price_per_m3_idr" not in self.errors:
                self.add_error("price_per_m3_idr", _("Give the price per m³."))
        return data


BlockFormSet = formset_factory(BlockForm, extra=0, max_num=MAX_BLOCKS, absolute_max=MAX_BLOCKS)


def block_formset(data: Any = None, *, blocks: list[Any] | None = None) -> Any:
    """The block rows: the given blocks plus empty rows, at least BLOCK_ROWS in all."""
    if data is not None:
        return BlockFormSet(data, prefix="blocks")
    initial = [
        {
            "from_litres": b.from_litres,
            "to_litres": b.to_litres,
            "price_per_m3_idr": b.price_per_m3_idr,
        }
        for b in blocks or []
    ]
    rows = max(BLOCK_ROWS, len(initial) + 1)
    initial += [{}] * (rows - len(initial))
    return BlockFormSet(initial=initial, prefix="blocks")


def with_one_more_block(data: Any) -> Any:
    """The posted data with one more empty block row (the "add a block" button)."""
    copy = data.copy()
    total = int(copy.get("blocks-TOTAL_FORMS") or 0)
    copy["blocks-TOTAL_FORMS"] = str(min(total + 1, MAX_BLOCKS))
    return copy


def blocks_of(formset: Any) -> list[PriceBlock]:
    """The filled block rows of a valid formset, in the order typed."""
    return [
        PriceBlock(
            form.cleaned_data["from_litres"],
            form.cleaned_data.get("to_litres"),
            form.cleaned_data["price_per_m3_idr"],
        )
        for form in formset.forms
        if not form.is_blank()
    ]


class CalculatorForm(forms.Form):
    litres = forms.IntegerField(
        label=_("Litres in the month"),
        min_value=0,
        max_value=MAX_LITRES,
        initial=15_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1"}),
    )
    customer_class = forms.ChoiceField(
        label=_("Customer class"),
        choices=CustomerClass.choices,
        initial=CustomerClass.RESIDENTIAL,
        required=False,
    )
