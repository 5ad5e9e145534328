"""Payment services: start, apply gateway events, refunds, reconciliation."""

from core.payments.services.apply import Applied, payment_apply
from core.payments.services.inbound import notification_receive, return_receive
from core.payments.services.reconcile import payments_reconcile, reconciliation_report
from core.payments.services.refunds import refund_create
from core.payments.services.start import PaymentRequest, cash_payment_record, payment_start

__all__ = [
    "Applied",
    "PaymentRequest",
    "cash_payment_record",
    "notification_receive",
    "payment_apply",
    "payment_start",
    "payments_reconcile",
    "reconciliation_report",
    "refund_create",
    "return_receive",
]
