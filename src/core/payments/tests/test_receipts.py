"""Receipts: the PDF of a paid payment, in the payer's language, and the settled email's copy."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.core import mail
from pypdf import PdfReader

from core.notifications.catalogue import PAYMENT_SETTLED, payment_context
from core.notifications.models import Delivery
from core.notifications.services import notify
from core.payments.errors import PaymentConflict
from core.payments.models import Payment, State
from core.payments.purposes import Purpose, register
from core.payments.receipts import receipt_pdf
from core.tenancy.models import TenantKind


class ReceiptPurpose(Purpose):
    name = "test.receipt"
    reference_prefix = "TR"

    def fulfil(self, payment):
        pass

    def reverse(self, payment, refund, amount_minor):
        pass

    def fulfilled_minor(self, payment):
        return payment.amount_minor

    def label(self, payment):
        return f"Meter {payment.purpose_ref}"


register(ReceiptPurpose())

SETTLED_AT = datetime(2026, 11, 22, 3, 15, tzinfo=UTC)  # 10.15 in Jakarta


def _payment(tenant, payer, **fields) -> Payment:
    values = {
        "reference": "TR-261122-7K3Q9D",
        "purpose": "test.receipt",
        "purpose_ref": "IW-0042",
        "description": "Top-up IW-0042",
        "currency": "IDR",
        "amount_minor": 150000,
        "fee_minor": 4440,
        "gateway": "sandbox",
        "method": "qris",
        "state": State.SETTLED,
        "gateway_txn_id": "sb-5f1c2a",
        "settled_at": SETTLED_AT,
        **fields,
    }
    values["total_minor"] = values["amount_minor"] + values["fee_minor"]
    return Payment.objects.create(tenant=tenant, payer=payer, **values)


def _lines(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text().splitlines()


@pytest.mark.django_db
def test_an_indonesian_payer_gets_an_indonesian_receipt(tenant_factory, user_factory):
    tenant = tenant_factory(name="Perumda Air Minum Tirta Kahuripan")
    payer = user_factory(full_name="Sari Wulandari", email="sari@example.id", language="id")
    payment = _payment(tenant, payer)

    pdf = receipt_pdf(payment, language="id")

    assert pdf.startswith(b"%PDF-")
    assert _lines(pdf) == [
        "IndoWater",
        "Perumda Air Minum Tirta Kahuripan",
        "Kuitansi",
        "Nomor kuitansi TR-261122-7K3Q9D",
        "Tanggal pembayaran 22 Nov. 2026, 10.15",
        "Dibayar oleh Sari Wulandari",
        "Email sari@example.id",
        "Untuk pembayaran Meter IW-0042",
        "Metode pembayaran Sandbox · QRIS",
        "ID transaksi sb-5f1c2a",
        "Jumlah Rp 150.000",
        "Biaya layanan Rp 4.440",
        "Total dibayar Rp 154.440",
        "Status Lunas",
        "Diterbitkan secara elektronik; sah tanpa tanda tangan.",
    ]


@pytest.mark.django_db
def test_an_english_receipt_names_the_gateway_and_the_bank(tenant_factory, user_factory):
    tenant = tenant_factory(name="Perumda Air Minum Tirta Kahuripan")
    payer = user_factory(full_name="Nguyễn Văn Đức", email="duc@example.test", language="en")
    payment = _payment(tenant, payer, gateway="midtrans", method="va_bca")

    lines = _lines(receipt_pdf(payment, language="en"))

    assert lines == [
        "IndoWater",
        "Perumda Air Minum Tirta Kahuripan",
        "Receipt",
        "Receipt number TR-261122-7K3Q9D",
        "Date paid Nov. 22, 2026, 10:15 a.m.",
        # The PDF core fonts only know Latin-1: other letters lose their marks.
        "Paid by Nguyen Van Duc",
        "Email duc@example.test",
        "Paid for Meter IW-0042",
        "Payment method Midtrans · BCA virtual account",
        "Transaction ID sb-5f1c2a",
        "Amount Rp 150,000",
        "Fee Rp 4,440",
        "Total paid Rp 154,440",
        "Status Paid",
        "Issued electronically; valid without a signature.",
    ]


@pytest.mark.django_db
def test_a_partly_refunded_cash_payment_in_spanish(tenant_factory, user_factory):
    tenant = tenant_factory(
        name="Island Roadside Ltd",
        kind=TenantKind.ROADSIDE_OPERATOR,
        timezone="America/Port_of_Spain",
    )
    payer = user_factory(full_name="Ana Ramírez", email="ana@example.tt", language="es")
    payment = _payment(
        tenant,
        payer,
        currency="TTD",
        amount_minor=125000,
        fee_minor=0,
        gateway="cash",
        method="cash",
        gateway_txn_id="",
        state=State.PARTIALLY_REFUNDED,
        refunded_minor=25000,
    )

    lines = _lines(receipt_pdf(payment, language="es"))

    assert lines == [
        "RoadSide+ TT",
        "Island Roadside Ltd",
        "Recibo",
        "Número de recibo TR-261122-7K3Q9D",
        "Fecha de pago 21 de noviembre de 2026 a las 23:15",
        "Pagado por Ana Ramírez",
        "Correo electrónico ana@example.tt",
        "Concepto Meter IW-0042",
        "Método de pago Efectivo",
        # Spanish groups thousands with a no-break space, which the PDF's text reads as a space.
        "Importe TT$1 250,00",
        "Comisión TT$0,00",
        "Total pagado TT$1 250,00",
        "Reembolsado hasta ahora TT$250,00",
        "Estado Reembolsado parcialmente",
        "Emitido electrónicamente; válido sin firma.",
    ]


@pytest.mark.django_db
def test_an_unpaid_payment_has_no_receipt(tenant_factory, user_factory):
    payment = _payment(
        tenant_factory(), user_factory(), state=State.PENDING, settled_at=None, gateway_txn_id=""
    )

    with pytest.raises(PaymentConflict) as refused:
        receipt_pdf(payment, language="en")

    assert refused.value.code == "payment_conflict"
    payment.refresh_from_db()
    assert (payment.state, payment.settled_at) == (State.PENDING, None)


@pytest.mark.django_db(transaction=True)
def test_the_settled_email_carries_the_receipt(tenant_factory, user_factory):
    payer = user_factory(email="sari@example.id", language="id")
    payment = _payment(tenant_factory(), payer)
    context = payment_context(
        amount_minor=payment.total_minor,
        currency="IDR",
        reference=payment.reference,
        purpose="Meter IW-0042",
        timezone="Asia/Jakarta",
    )

    notify(payer, PAYMENT_SETTLED, context, tenant=payment.tenant)

    [message] = mail.outbox
    assert message.to == ["sari@example.id"]
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == ("receipt-TR-261122-7K3Q9D.pdf", "application/pdf")
    lines = _lines(content)
    assert "Nomor kuitansi TR-261122-7K3Q9D" in lines
    assert "Total dibayar Rp 154.440" in lines
    assert Delivery.objects.get(channel="email").status == "sent"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("reference", ["TR-261122-7K3Q9D", "TR-000000-GONE00"])
def test_the_settled_email_still_goes_without_a_receipt_for_an_unpaid_or_unknown_payment(
    tenant_factory, user_factory, caplog, reference
):
    payer = user_factory(language="en")
    _payment(tenant_factory(), payer, state=State.PENDING, settled_at=None)
    context = payment_context(
        amount_minor=154440, currency="IDR", reference=reference, purpose="Meter IW-0042"
    )

    notify(payer, PAYMENT_SETTLED, context)

    [message] = mail.outbox
    assert message.subject == "Payment received: Rp 154,440"
    assert message.attachments == []
    assert "payment_receipt_skipped" in caplog.text
    assert Delivery.objects.get(channel="email").status == "sent"
