"""Payments, their transitions, the notifications that moved them, refunds and credentials.

A payment's state only moves through `services.apply` under a row lock, and the first move to
SETTLED fulfils its purpose (credits a meter, pays a job) in the same transaction, so a paid
payment is fulfilled exactly once however many notifications arrive and in whatever order.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.crypto.fields import EncryptedTextField


class State(models.TextChoices):
    CREATED = "created", _("Created")
    PENDING = "pending", _("Waiting for payment")
    SETTLED = "settled", _("Paid")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")


OPEN_STATES = frozenset({State.CREATED, State.PENDING})
CLOSED_UNPAID = frozenset({State.FAILED, State.EXPIRED, State.CANCELLED})
PAID_STATES = frozenset({State.SETTLED, State.PARTIALLY_REFUNDED, State.REFUNDED})

# Where each state may go. A late settlement of a payment we had already given up on is
# accepted (the money did arrive); every other move backwards is refused and recorded.
TRANSITIONS: dict[str, frozenset[str]] = {
    State.CREATED: frozenset(
        {State.PENDING, State.SETTLED, State.FAILED, State.EXPIRED, State.CANCELLED}
    ),
    State.PENDING: frozenset({State.SETTLED, State.FAILED, State.EXPIRED, State.CANCELLED}),
    State.FAILED: frozenset({State.SETTLED}),
    State.EXPIRED: frozenset({State.SETTLED}),
    State.CANCELLED: frozenset({State.SETTLED}),
    State.SETTLED: frozenset({State.PARTIALLY_REFUNDED, State.REFUNDED}),
    State.PARTIALLY_REFUNDED: frozenset({State.PARTIALLY_REFUNDED, State.REFUNDED}),
    State.REFUNDED: frozenset(),
}

STATE_TIMESTAMP: dict[str, str] = {
    State.PENDING: "pending_at",
    State.SETTLED: "settled_at",
    State.FAILED: "failed_at",
    State.EXPIRED: "expired_at",
    State.CANCELLED: "cancelled_at",
    State.REFUNDED: "refunded_at",
    State.PARTIALLY_REFUNDED: "refunded_at",
}


class Payment(models.Model):
    """One attempt to collect money for one purpose through one gateway.

    `amount_minor` is what the purpose receives (the meter's credit, the job's price);
    `fee_minor` is what the payer pays on top (the method's charge); the gateway collects
    `total_minor`, and every notification's amount is compared with it.
    """

    reference = models.CharField(
        max_length=30, unique=True, help_text="Our order id at the gateway, e.g. IW-261122-7K3Q9D."
    )
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(max_length=32, help_text="Registered purpose, e.g. water.topup.")
    purpose_ref = models.CharField(max_length=64, help_text="What is paid for, e.g. a meter id.")
    description = models.CharField(max_length=200)
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    fee_minor = models.BigIntegerField(default=0)
    total_minor = models.BigIntegerField()
    refunded_minor = models.BigIntegerField(default=0)
    gateway = models.CharField(max_length=16)
    method = models.CharField(max_length=32)
    production = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.CREATED)
    gateway_txn_id = models.CharField(max_length=128, blank=True, default="")
    gateway_status = models.CharField(max_length=64, blank=True, default="")
    checkout = models.JSONField(
        default=dict, blank=True, help_text="What the payer needs: redirect URL, QR, VA number."
    )
    idempotency_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Staff who recorded a cash payment.",
    )
    memo = models.CharField(max_length=200, blank=True, default="")
    failure_reason = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    pending_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(
        null=True, blank=True, help_text="Last status inquiry at the gateway."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["tenant", "created_at"]),
            models.Index(fields=["payer", "created_at"]),
            models.Index(fields=["purpose", "purpose_ref"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0)
                & models.Q(fee_minor__gte=0)
                & models.Q(total_minor=models.F("amount_minor") + models.F("fee_minor")),
                name="payment_amounts_add_up",
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_minor__gte=0)
                & models.Q(refunded_minor__lte=models.F("amount_minor")),
                name="payment_refund_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def refundable_minor(self) -> int:
        # The method's fee stays with the gateway: what can go back is the purpose's amount.
        return self.amount_minor - self.refunded_minor if self.state in PAID_STATES else 0


class Transition(models.Model):
    """One state change of a payment, with what caused it."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20)
    to_state = models.CharField(max_length=20)
    source = models.CharField(max_length=16, help_text="webhook, return, inquiry, payer, staff…")
    gateway_status = models.CharField(max_length=64, blank=True, default="")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["payment_id", "id"]


class Outcome(models.TextChoices):
    """What handling one notification did."""

    APPLIED = "applied", _("Applied")
    NO_CHANGE = "no_change", _("No change")
    DUPLICATE = "duplicate", _("Duplicate")
    STALE = "stale", _("Out of order, ignored")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount does not match")
    CONFLICT = "conflict", _("Contradicts a final state")
    UNKNOWN_PAYMENT = "unknown_payment", _("Unknown payment")
    REJECTED = "rejected", _("Signature refused")


class Notification(models.Model):
    """Every message a gateway sent about a payment: the inbox that makes handling idempotent.

    `dedupe_id` is the gateway's own identity of the message (DOKU's Request-Id, Midtrans'
    transaction + status, WiPay's transaction id), unique per gateway.
    """

    gateway = models.CharField(max_length=16)
    dedupe_id = models.CharField(max_length=200)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    reference = models.CharField(max_length=64, blank=True, default="")
    source = models.CharField(max_length=16, default="webhook")
    gateway_status = models.CharField(max_length=64, blank=True, default="")
    amount_minor = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.CharField(max_length=200, blank=True, default="")
    payload = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "dedupe_id"], name="notification_once")
        ]


class RefundState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Failed")


class Refund(models.Model):
    """Money returned to the payer, in full or in part, through the gateway or by hand."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_minor = models.BigIntegerField()
    reason = models.CharField(max_length=200)
    state = models.CharField(max_length=16, choices=RefundState.choices)
    through_gateway = models.BooleanField(default=True)
    gateway_refund_id = models.CharField(max_length=128, blank=True, default="")
    failure_reason = models.CharField(max_length=200, blank=True, default="")
    idempotency_key = models.CharField(max_length=120, unique=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["payment_id", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="refund_positive")
        ]


class GatewayCredential(models.Model):
    """A tenant's own account at a gateway; the row without a tenant is the platform's.

    `secrets` is a JSON object (server key, client id, secret key, API key, …) sealed with
    AES-256-GCM. `base_url` overrides the vendor's address (a regional host or a local
    protocol server); empty means the vendor's production or sandbox address.
    """

    tenant = models.ForeignKey(
        "tenancy.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    gateway = models.CharField(max_length=16)
    production = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    secrets = EncryptedTextField()
    base_url = models.URLField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "gateway"], name="one_credential_per_tenant_gateway"
            ),
            models.UniqueConstraint(
                fields=["gateway"],
                condition=models.Q(tenant__isnull=True),
                name="one_platform_credential_per_gateway",
            ),
        ]


class SandboxCharge(models.Model):
    """The sandbox gateway's own book: what a real vendor would hold on its side.

    The sandbox answers status inquiries and refunds from here, and its hosted page moves a
    charge to paid, denied or expired, then notifies us exactly as Midtrans would.
    """

    order_id = models.CharField(max_length=64, unique=True)
    transaction_id = models.CharField(max_length=64, unique=True)
    payment_type = models.CharField(max_length=32)
    gross_amount = models.CharField(max_length=24, help_text="As Midtrans writes it: 50000.00")
    currency = models.CharField(max_length=3, default="IDR")
    status = models.CharField(max_length=20, default="pending")
    refunded = models.CharField(max_length=24, blank=True, default="")
    va_number = models.CharField(max_length=32, blank=True, default="")
    bank = models.CharField(max_length=16, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
