"""A paid payment's receipt: one A4 page in PDF, in the payer's language.

Money and moments are written as the notifications write them (`core.notifications.rendering`).
The page uses the PDF core fonts, which only know Latin-1: any other character is reduced to
its base letter (or "?") before it is drawn.
"""

from __future__ import annotations

import io
import unicodedata
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from core.notifications.rendering import formatted
from core.payments.errors import PaymentConflict
from core.payments.gateways.base import GatewayMisconfigured
from core.payments.gateways.registry import gateway_class
from core.payments.models import PAID_STATES, Payment, State
from core.payments.purposes import purpose_get
from core.tenancy.models import Service

BANKS = {
    "va_bca": "BCA",
    "va_bni": "BNI",
    "va_bri": "BRI",
    "va_mandiri": "Mandiri",
    "va_permata": "Permata",
}
# Typographic characters outside Latin-1 that have an obvious plain equivalent.
PLAIN = str.maketrans(
    {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "€": "EUR", "Đ": "D", "đ": "d"}
)


def _latin1(text: str) -> str:
    """`text` drawable in a core font: printable Latin-1 only."""
    kept = []
    for char in str(text).translate(PLAIN):
        if ord(char) < 0x80 or 0xA0 <= ord(char) < 0x100:
            kept.append(char)
            continue
        base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        kept.append(base or "?")
    return "".join(kept)


def _brand(payment: Payment) -> str:
    product = payment.purpose.partition(".")[0]
    service = product if product in Service.values else payment.tenant.service
    return str(Service(service).label)


def _method(payment: Payment) -> str:
    """'Sandbox · QRIS', 'Midtrans · BCA virtual account', 'Cash'."""
    if payment.gateway == "cash":
        return _("Cash")
    try:
        gateway = gateway_class(payment.gateway).label
    except GatewayMisconfigured:
        gateway = payment.gateway
    methods = {
        "qris": "QRIS",
        "snap": _("Payment page"),
        "checkout": _("Payment page"),
        "echannel": _("Mandiri bill payment"),
        "card": _("Card"),
        "credit_card": _("Credit card"),
    }
    if payment.method in BANKS:
        method = _("%(bank)s virtual account") % {"bank": BANKS[payment.method]}
    else:
        method = methods.get(payment.method, payment.method)
    return f"{gateway} · {method}"


def _rows(payment: Payment) -> list[tuple[str, str]]:
    money: dict[str, Any] = {"currency": payment.currency}
    values = formatted(
        {
            "amount": {**money, "minor": payment.amount_minor},
            "fee": {**money, "minor": payment.fee_minor},
            "total": {**money, "minor": payment.total_minor},
            "refunded": {**money, "minor": payment.refunded_minor},
            "paid_at": payment.settled_at.isoformat() if payment.settled_at else "",
            "timezone": payment.tenant.timezone,
        }
    )
    try:
        label = str(purpose_get(payment.purpose).label(payment))
    except LookupError:
        label = payment.description
    rows = [(_("Receipt number"), payment.reference), (_("Date paid"), values["paid_at"] or "-")]
    if payment.payer is not None:
        rows += [(_("Paid by"), payment.payer.full_name), (_("Email"), payment.payer.email)]
    rows += [(_("Paid for"), label), (_("Payment method"), _method(payment))]
    if payment.gateway_txn_id:
        rows.append((_("Transaction ID"), payment.gateway_txn_id))
    rows += [(_("Amount"), values["amount"]), (pgettext("receipt line", "Fee"), values["fee"])]
    rows.append((_("Total paid"), values["total"]))
    if payment.refunded_minor:
        rows.append((_("Refunded so far"), values["refunded"]))
    rows.append((_("Status"), str(State(payment.state).label)))
    return rows


# The portal's brand colours: IndoWater blue, RoadSide+ orange.
ACCENTS = {"water": (11, 94, 158), "roadside": (196, 82, 14)}


def receipt_pdf(payment: Payment, *, language: str) -> bytes:
    """The receipt of a paid payment as a one-page A4 PDF; PaymentConflict if it is not paid."""
    if payment.state not in PAID_STATES:
        raise PaymentConflict(f"Payment {payment.reference} is not paid: it has no receipt.")
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(left=20, top=20, right=20)
    with translation.override(language):
        rows = _rows(payment)
        rows_total_label = str(_("Total paid"))
        title, footer = _("Receipt"), _("Issued electronically; valid without a signature.")
        pdf.set_title(_latin1(f"{title} {payment.reference}"))
        pdf.add_page()
        accent = ACCENTS.get(payment.purpose.partition(".")[0], ACCENTS["water"])
        # A coloured band carries the brand and the organisation, as on the portal.
        pdf.set_fill_color(*accent)
        pdf.rect(0, 0, 210, 38, style="F")
        pdf.set_text_color(255, 255, 255)
        pdf.set_xy(20, 11)
        pdf.set_font("helvetica", "B", 20)
        pdf.cell(text=_latin1(_brand(payment)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("helvetica", "", 11)
        pdf.cell(text=_latin1(payment.tenant.name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(23, 32, 42)
        pdf.set_y(50)
        pdf.set_font("helvetica", "B", 18)
        pdf.cell(text=_latin1(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(5)
        pdf.set_draw_color(222, 226, 232)
        for label, value in rows:
            total = label == rows_total_label
            if total:
                pdf.set_fill_color(238, 244, 250)
                pdf.rect(20, pdf.get_y(), 170, 10, style="F")
            top = pdf.get_y()
            pdf.set_text_color(91, 100, 114)
            pdf.set_font("helvetica", "B" if total else "", 11 if total else 10)
            pdf.cell(w=60, h=10 if total else 8, text=_latin1(label))
            pdf.set_text_color(23, 32, 42)
            pdf.set_font("helvetica", "B", 12 if total else 10)
            pdf.multi_cell(
                w=0, h=10 if total else 8, text=_latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            if not total and pdf.get_y() > top:
                pdf.line(20, pdf.get_y(), 190, pdf.get_y())
        pdf.ln(12)
        pdf.set_text_color(91, 100, 114)
        pdf.set_font("helvetica", "I", 9)
        pdf.cell(text=_latin1(footer), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    buffer = io.BytesIO()
    pdf.output(buffer)
    return buffer.getvalue()
