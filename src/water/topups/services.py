"""Top-ups of a prepaid water meter: what a payer may choose, starting a payment, cash."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.accounts.models import User
from core.errors import NotFound
from core.payments.errors import PaymentConflict, PaymentInvalid
from core.payments.gateways.registry import gateway_class, gateways_available
from core.payments.models import Payment
from core.payments.services import PaymentRequest, cash_payment_record, payment_start
from water.meters.models import Meter
from water.topups import fees
from water.topups.selectors import PURPOSE

CURRENCY = "IDR"


@dataclass(frozen=True)
class TopupMethod:
    """One way to pay a top-up: a method at a gateway, with its fee rule."""

    gateway: str
    gateway_label: str
    method: str
    label: str
    kind: str
    fee_flat_idr: int
    fee_rate_bp: int

    @property
    def value(self) -> str:
        """How a form names the choice: ``gateway:method``."""
        return f"{self.gateway}:{self.method}"

    @property
    def fee_rate_percent(self) -> Decimal:
        """The rate as a percentage: 70 basis points → 0.7."""
        return (Decimal(self.fee_rate_bp) / 100).normalize()

    def fee_for(self, amount_idr: int) -> int:
        return fees.fee_for(self.method, amount_idr)


@dataclass(frozen=True)
class TopupOptions:
    """What a payer may choose for one meter."""

    meter_id: int
    currency: str
    denominations_idr: tuple[int, ...]
    min_idr: int
    max_idr: int
    methods: list[TopupMethod]


def _own_meter(actor: User, meter: Meter) -> None:
    # The customer check of billing's customer selectors: a meter of someone else is NotFound.
    if not Meter.objects.filter(pk=meter.pk, customer__user=actor).exists():
        raise NotFound("Meter not found.")


def _methods(tenant_id: int) -> list[TopupMethod]:
    found: list[TopupMethod] = []
    for gateway in gateways_available(tenant_id, CURRENCY):
        cls = gateway_class(gateway)
        for rule in fees.METHODS.values():
            if rule.method in cls.methods:
                found.append(
                    TopupMethod(
                        gateway=gateway,
                        gateway_label=cls.label,
                        method=rule.method,
                        label=str(rule.label),
                        kind=rule.kind,
                        fee_flat_idr=rule.flat_idr,
                        fee_rate_bp=rule.rate_bp,
                    )
                )
    return found


def topup_options_for(*, actor: User, meter: Meter) -> TopupOptions:
    """The amounts and methods (with fees) the actor may use to top up their meter."""
    _own_meter(actor, meter)
    return TopupOptions(
        meter_id=meter.pk,
        currency=CURRENCY,
        denominations_idr=fees.DENOMINATIONS_IDR,
        min_idr=fees.MIN_IDR,
        max_idr=fees.MAX_IDR,
        methods=_methods(meter.tenant_id),
    )


def topup_amount_check(amount_idr: int) -> None:
    """Refuse an amount outside Rp 10,000 – Rp 5,000,000 or not whole Rupiah."""
    if not isinstance(amount_idr, int) or isinstance(amount_idr, bool):
        raise PaymentInvalid("Amounts are whole Rupiah.", extra={"field": "amount_idr"})
    if not fees.MIN_IDR <= amount_idr <= fees.MAX_IDR:
        raise PaymentInvalid(
            f"A top-up is between Rp {fees.MIN_IDR:,} and Rp {fees.MAX_IDR:,}.",
            extra={"field": "amount_idr", "min": fees.MIN_IDR, "max": fees.MAX_IDR},
        )


def topup_method_get(*, tenant_id: int, gateway: str, method: str) -> TopupMethod:
    """The offered method `gateway`/`method` for the tenant's payers, else PaymentInvalid."""
    for option in _methods(tenant_id):
        if (option.gateway, option.method) == (gateway, method):
            return option
    raise PaymentInvalid(
        "This payment method is not offered for top-ups.", extra={"field": "method"}
    )


def _expires_minutes(method: str) -> int:
    return fees.METHODS[method].expires_minutes


def topup_start(
    *,
    actor: User,
    meter: Meter,
    amount_idr: int,
    gateway: str,
    method: str,
    idempotency_key: str | None = None,
) -> Payment:
    """Start paying `amount_idr` of credit for the actor's meter, plus the method's fee.

    The same idempotency key returns the payment it started; used for another meter or
    amount it is a PaymentConflict.
    """
    _own_meter(actor, meter)
    topup_amount_check(amount_idr)
    option = topup_method_get(tenant_id=meter.tenant_id, gateway=gateway, method=method)
    key = f"topup:{actor.pk}:{idempotency_key}" if idempotency_key else None
    if key is not None:
        found = Payment.objects.filter(idempotency_key=key).first()
        if found is not None and (
            found.purpose != PURPOSE
            or found.purpose_ref != str(meter.pk)
            or found.amount_minor != amount_idr
            or (found.gateway, found.method) != (gateway, method)
        ):
            raise PaymentConflict("This idempotency key belongs to another top-up.")
    return payment_start(
        PaymentRequest(
            tenant=meter.tenant,
            payer=actor,
            purpose=PURPOSE,
            purpose_ref=str(meter.pk),
            description=f"Water credit {meter.serial}",
            currency=CURRENCY,
            amount_minor=amount_idr,
            fee_minor=option.fee_for(amount_idr),
            gateway=gateway,
            method=method,
            idempotency_key=key,
            expires_minutes=_expires_minutes(method),
        )
    )


def cash_topup_record(
    *,
    actor: User,
    meter: Meter,
    amount_idr: int,
    reason: str,
    idempotency_key: str | None = None,
) -> Payment:
    """Record cash staff took for a meter's credit: a settled payment, credited at once.

    The payer is the meter's customer's portal account, if any. Audited (payment created,
    settled by the staff member, money moved).
    """
    if not isinstance(amount_idr, int) or isinstance(amount_idr, bool):
        raise PaymentInvalid("Amounts are whole Rupiah.", extra={"field": "amount_idr"})
    if amount_idr < fees.MIN_IDR:
        raise PaymentInvalid(
            f"A top-up is at least Rp {fees.MIN_IDR:,}.",
            extra={"field": "amount_idr", "min": fees.MIN_IDR},
        )
    customer = meter.customer
    return cash_payment_record(
        tenant=meter.tenant,
        payer=customer.user if customer is not None else None,
        purpose=PURPOSE,
        purpose_ref=str(meter.pk),
        description=f"Water credit {meter.serial}",
        currency=CURRENCY,
        amount_minor=amount_idr,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
    )
