"""Payment API schemas. Money is in minor units with its ISO 4217 currency."""

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class PaymentOut(Schema):
    reference: str
    tenant_id: int
    purpose: str
    purpose_ref: str
    description: str
    currency: str
    amount_minor: int
    fee_minor: int
    total_minor: int
    refunded_minor: int
    gateway: str
    method: str
    state: str
    gateway_status: str
    checkout: dict[str, Any]
    created_at: datetime
    settled_at: datetime | None
    expires_at: datetime | None
    page_url: str = Field(..., description="The payment's page on this site")

    @staticmethod
    def resolve_page_url(obj: Any) -> str:
        return f"/payments/{obj.reference}/"


class TransitionOut(Schema):
    from_state: str
    to_state: str
    source: str
    gateway_status: str
    at: datetime


class RefundOut(Schema):
    id: int
    amount_minor: int
    reason: str
    state: str
    through_gateway: bool
    gateway_refund_id: str
    failure_reason: str
    created_at: datetime
    completed_at: datetime | None


class PaymentDetailOut(PaymentOut):
    transitions: list[TransitionOut]
    refunds: list[RefundOut]

    @staticmethod
    def resolve_transitions(obj: Any) -> list[Any]:
        return list(obj.transitions.all())

    @staticmethod
    def resolve_refunds(obj: Any) -> list[Any]:
        return list(obj.refunds.all())


class PaymentFilter(Schema):
    state: str | None = None
    gateway: str | None = None
    date_from: datetime | None = Field(None, alias="from")
    date_to: datetime | None = Field(None, alias="to")


class RefundIn(Schema):
    amount_minor: int = Field(..., gt=0, description="At most what the purpose received")
    reason: str = Field(..., min_length=1, max_length=200)
    idempotency_key: str = Field(..., min_length=1, max_length=80)


class RangeIn(Schema):
    date_from: datetime = Field(..., alias="from")
    date_to: datetime = Field(..., alias="to")


class ReconcileIn(RangeIn):
    ask_gateway: bool = False


class GatewayStatsOut(Schema):
    gateway: str
    by_state: dict[str, int]
    success_rate: float | None
    median_settle_seconds: float | None


class MismatchOut(Schema):
    reference: str
    kind: str
    gateway: str
    state: str
    expected_minor: int
    ledger_minor: int | None
    gateway_status: str
    detail: str
    at: datetime


class CredentialOut(Schema):
    gateway: str
    label: str
    configured: bool
    enabled: bool
    production: bool
    secrets_set: list[str]
    secret_names: list[str]
    base_url: str
    inherited: bool


class CredentialIn(Schema):
    production: bool = False
    enabled: bool = True
    secrets: dict[str, str] = Field(
        default_factory=dict, description="Write-only; an empty value keeps the stored one"
    )


class PlatformCredentialIn(CredentialIn):
    base_url: str = Field("", max_length=200, description="Override of the vendor's address")
