"""Messages from gateways and returning browsers: verify, then apply.

The webhook answers the vendor only after the event is committed: a database failure
raises (HTTP 500) and the vendor retries; a refused signature gets the vendor's refusal.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import structlog
from django.db import transaction

from core.audit import actions
from core.audit.services import audit_record
from core.payments import metrics
from core.payments.gateways.base import (
    Ack,
    GatewayError,
    GatewayMisconfigured,
    Inbound,
    InvalidNotification,
)
from core.payments.gateways.registry import gateway_class, gateway_for
from core.payments.models import Notification, Outcome, Payment
from core.payments.services.apply import Applied, payment_apply

log = structlog.get_logger(__name__)


def _rejected(gateway: str, inbound: Inbound, reference: str, reason: str) -> None:
    """Keep a refused message for the operators (never applied)."""
    with transaction.atomic():
        Notification.objects.create(
            gateway=gateway,
            dedupe_id=f"rejected:{uuid.uuid4()}",
            reference=reference[:64],
            outcome=Outcome.REJECTED,
            detail=reason[:200],
            payload={"path": inbound.path, "body": inbound.body[:4000].decode("utf-8", "replace")},
        )
        audit_record(
            action=actions.PAYMENT_NOTIFICATION_REJECTED,
            actor_email="system",
            data={"gateway": gateway, "reference": reference[:64], "reason": reason[:200]},
        )
    metrics.notification(gateway, Outcome.REJECTED)
    log.warning(
        "payment_notification_rejected", gateway=gateway, reference=reference, reason=reason
    )


def notification_receive(gateway: str, inbound: Inbound) -> Ack:
    """Handle one server-to-server notification and say what to answer the vendor."""
    cls = gateway_class(gateway)
    reference = cls.peek_reference(inbound)
    tenant_id = (
        Payment.objects.filter(reference=reference, gateway=gateway)
        .values_list("tenant_id", flat=True)
        .first()
    )
    try:
        adapter = gateway_for(tenant_id, gateway)
        events = adapter.parse_notification(inbound)
    except (InvalidNotification, GatewayMisconfigured) as exc:
        _rejected(gateway, inbound, reference, str(exc))
        return _refusal(gateway, tenant_id)
    for event in events:
        payment_apply(gateway=gateway, event=event, source="webhook")
    return adapter.ack(True)


def _refusal(gateway: str, tenant_id: int | None) -> Ack:
    try:
        return gateway_for(tenant_id, gateway).ack(False)
    except GatewayMisconfigured:
        return Ack(401, b"invalid signature")


def return_receive(payment: Payment, inbound: Inbound) -> Applied | None:
    """What the payer's returning browser proves (WiPay's hash, FAC's completed token).

    None when the gateway's return is informational only. A forged or tampered return is
    refused and recorded; it never changes the payment.
    """
    adapter = gateway_for(payment.tenant_id, payment.gateway)
    if payment.gateway == "wipay":
        # WiPay's hash covers the total exactly as we sent it, which only we kept.
        form = {**inbound.form, "original_total": str(payment.checkout.get("total", ""))}
        inbound = replace(inbound, form=form)
    try:
        event = adapter.parse_return(inbound)
    except InvalidNotification as exc:
        _rejected(payment.gateway, inbound, payment.reference, str(exc))
        return None
    except GatewayError as exc:
        log.warning("payment_return_unconfirmed", reference=payment.reference, code=exc.code)
        return None
    if event is None:
        return None
    if event.reference != payment.reference:
        _rejected(payment.gateway, inbound, payment.reference, "return for another payment")
        return None
    return payment_apply(gateway=payment.gateway, event=event, source="return")
