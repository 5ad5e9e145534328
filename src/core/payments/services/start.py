"""Start a payment at a gateway, or record one received in cash."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import structlog
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.accounts.models import User
from core.audit import actions
from core.audit.services import audit_record
from core.notifications.rendering import absolute
from core.payments.errors import (
    GatewayNotConfigured,
    GatewayUnavailable,
    PaymentConflict,
    PaymentInvalid,
)
from core.payments.gateways.base import CheckoutRequest, GatewayError, GatewayMisconfigured
from core.payments.gateways.registry import credentials_for, gateway_class
from core.payments.models import Payment, State
from core.payments.purposes import purpose_get
from core.payments.services.apply import _move
from core.tenancy.models import Tenant

log = structlog.get_logger(__name__)

# Crockford's base32 without I, L, O, U: readable over the phone and on a receipt.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class PaymentRequest:
    """What a product asks to collect. Amounts in minor units of `currency`."""

    tenant: Tenant
    payer: User | None
    purpose: str
    purpose_ref: str
    description: str
    currency: str
    amount_minor: int
    fee_minor: int
    gateway: str
    method: str
    idempotency_key: str | None = None
    expires_minutes: int = 60


def reference_new(prefix: str) -> str:
    """E.g. IW-261122-7K3Q9D: 16 characters, within every gateway's order-id limit."""
    day = timezone.now().strftime("%y%m%d")
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"{prefix}-{day}-{tail}"


def _validate(request: PaymentRequest) -> None:
    try:
        purpose_get(request.purpose)
        cls = gateway_class(request.gateway)
    except (LookupError, GatewayMisconfigured) as exc:
        raise PaymentInvalid(str(exc)) from exc
    if request.method not in cls.methods:
        raise PaymentInvalid(
            f"{cls.label} does not offer {request.method!r}.", extra={"field": "method"}
        )
    if request.currency not in cls.currencies:
        raise PaymentInvalid(f"{cls.label} does not take {request.currency}.")
    for name in ("amount_minor", "fee_minor"):
        value = getattr(request, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise PaymentInvalid(f"{name} must be a whole number of minor units.")
    if request.amount_minor <= 0:
        raise PaymentInvalid("A payment must be above zero.", extra={"field": "amount"})


def _existing(key: str | None, payer: User | None) -> Payment | None:
    if key is None:
        return None
    found = Payment.objects.filter(idempotency_key=key).first()
    if found is not None and found.payer_id != (payer.pk if payer else None):
        raise PaymentConflict("This idempotency key belongs to another payment.")
    return found


def _insert(request: PaymentRequest, production: bool) -> Payment:
    prefix = purpose_get(request.purpose).reference_prefix
    for _attempt in range(5):
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    reference=reference_new(prefix),
                    tenant=request.tenant,
                    payer=request.payer,
                    purpose=request.purpose,
                    purpose_ref=request.purpose_ref,
                    description=request.description[:200],
                    currency=request.currency,
                    amount_minor=request.amount_minor,
                    fee_minor=request.fee_minor,
                    total_minor=request.amount_minor + request.fee_minor,
                    gateway=request.gateway,
                    method=request.method,
                    production=production,
                    idempotency_key=request.idempotency_key,
                    expires_at=timezone.now() + timedelta(minutes=request.expires_minutes),
                )
                audit_record(
                    action=actions.PAYMENT_CREATED,
                    actor=request.payer,
                    tenant=request.tenant,
                    target=payment,
                    data={
                        "reference": payment.reference,
                        "purpose": payment.purpose,
                        "purpose_ref": payment.purpose_ref,
                        "gateway": payment.gateway,
                        "method": payment.method,
                        "total_minor": payment.total_minor,
                        "currency": payment.currency,
                    },
                )
                return payment
        except IntegrityError:
            found = _existing(request.idempotency_key, request.payer)
            if found is not None:
                return found
            # else: a reference collision (1 in 10^9 per day); draw again
    raise PaymentConflict("Could not allocate a payment reference; try again.")


def payment_start(request: PaymentRequest) -> Payment:
    """Create the payment, then ask the gateway for what the payer needs to pay.

    The row is committed before the gateway hears of it, so a notification can never arrive
    for a payment we do not know. A gateway refusal marks the payment failed and raises
    GatewayUnavailable; nothing is charged. The same idempotency key returns the same payment.
    """
    _validate(request)
    found = _existing(request.idempotency_key, request.payer)
    if found is not None:
        return found
    try:
        credentials = credentials_for(request.tenant.pk, request.gateway)
    except GatewayMisconfigured as exc:
        raise GatewayNotConfigured(str(exc)) from exc
    payment = _insert(request, credentials.production)
    if payment.state != State.CREATED:
        return payment
    adapter = gateway_class(request.gateway)(credentials)
    payer = request.payer
    checkout_request = CheckoutRequest(
        reference=payment.reference,
        amount_minor=payment.total_minor,
        currency=payment.currency,
        method=payment.method,
        description=payment.description,
        return_url=absolute(f"/payments/return/{payment.reference}/"),
        notify_url=absolute(f"/payments/webhooks/{payment.gateway}/"),
        expires_minutes=request.expires_minutes,
        payer_name=payer.full_name if payer else "",
        payer_email=payer.email if payer else "",
        language=(payer.language if payer else "") or "id",
    )
    try:
        checkout = adapter.create(checkout_request)
    except GatewayError as exc:
        log.warning(
            "payment_gateway_refused",
            gateway=payment.gateway,
            reference=payment.reference,
            code=exc.code,
            retry=exc.retry,
        )
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            locked.failure_reason = str(exc)[:200]
            locked.save(update_fields=["failure_reason", "updated_at"])
            _move(locked, State.FAILED, source="payer", gateway_status=f"create:{exc.code}")
        raise GatewayUnavailable(
            "The payment could not be started at the gateway. Nothing was charged; "
            "please try again or choose another method.",
            extra={"gateway": payment.gateway, "retry": exc.retry},
        ) from exc
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        locked.checkout = checkout.as_dict()
        locked.gateway_txn_id = checkout.gateway_txn_id[:128]
        if checkout.expires_at is not None:
            locked.expires_at = checkout.expires_at
        locked.save(update_fields=["checkout", "gateway_txn_id", "expires_at", "updated_at"])
        if locked.state == State.CREATED:
            _move(locked, State.PENDING, source="payer", gateway_status="created")
    return locked


def cash_payment_record(
    *,
    tenant: Tenant,
    payer: User | None,
    purpose: str,
    purpose_ref: str,
    description: str,
    currency: str,
    amount_minor: int,
    actor: User,
    reason: str,
    idempotency_key: str | None = None,
) -> Payment:
    """Record money staff took in person: a settled cash payment, fulfilled at once. Audited."""
    if not reason.strip():
        raise PaymentInvalid("A cash payment needs a reason.", extra={"field": "reason"})
    request = PaymentRequest(
        tenant=tenant,
        payer=payer,
        purpose=purpose,
        purpose_ref=purpose_ref,
        description=description,
        currency=currency,
        amount_minor=amount_minor,
        fee_minor=0,
        gateway="cash",
        method="cash",
        idempotency_key=idempotency_key,
    )
    if amount_minor <= 0 or isinstance(amount_minor, bool):
        raise PaymentInvalid("A payment must be above zero.", extra={"field": "amount"})
    found = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if idempotency_key and found is not None:
        if found.tenant_id != tenant.pk or found.purpose_ref != purpose_ref:
            raise PaymentConflict("This idempotency key belongs to another payment.")
        return found
    with transaction.atomic():
        payment = _insert(request, production=True)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.state != State.CREATED:
            return payment
        payment.actor = actor
        payment.memo = reason.strip()[:200]
        payment.save(update_fields=["actor", "memo", "updated_at"])
        purpose_get(purpose).fulfil(payment)
        _move(payment, State.SETTLED, source="staff", gateway_status="cash", actor=actor)
    return payment
