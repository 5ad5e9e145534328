"""A purpose that books its fulfilment in the audit log, and a payer at a tenant."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from core.accounts.models import User
from core.audit.models import AuditEvent
from core.audit.services import audit_record
from core.payments.models import Payment, Refund
from core.payments.purposes import Purpose, _registry, register
from core.payments.services import PaymentRequest
from core.tenancy.models import Tenant
from tests.factories import MembershipFactory, TenantFactory, UserFactory


class BookedPurpose(Purpose):
    """Fulfilment and reversals are audit rows: transactional, countable, summable."""

    name = "test.order"
    reference_prefix = "TS"

    def fulfil(self, payment: Payment) -> None:
        audit_record(
            action="test.fulfilled",
            tenant=payment.tenant_id,
            target=payment,
            data={"reference": payment.reference, "amount": payment.amount_minor},
        )

    def reverse(self, payment: Payment, refund: Refund, amount_minor: int) -> None:
        audit_record(
            action="test.reversed",
            tenant=payment.tenant_id,
            target=payment,
            data={"reference": payment.reference, "amount": -amount_minor},
        )

    def fulfilled_minor(self, payment: Payment) -> int:
        rows = AuditEvent.objects.filter(
            action__in=["test.fulfilled", "test.reversed"], data__reference=payment.reference
        )
        return sum(int(row.data["amount"]) for row in rows)

    def page_url(self, payment: Payment) -> str:
        return "/orders/"


def fulfilments(payment: Payment) -> int:
    return AuditEvent.objects.filter(
        action="test.fulfilled", data__reference=payment.reference
    ).count()


@pytest.fixture(autouse=True)
def booked_purpose() -> Iterator[BookedPurpose]:
    purpose = BookedPurpose()
    register(purpose)
    yield purpose
    _registry.purposes.pop(purpose.name, None)


@dataclass
class Shop:
    tenant: Tenant
    payer: User
    admin: User


@pytest.fixture
def shop(db: None) -> Shop:
    tenant = TenantFactory(slug="shop", name="Shop")
    payer = UserFactory(email="payer@shop.test", language="en")
    MembershipFactory(user=payer, tenant=tenant, role="customer")
    admin = UserFactory(email="admin@shop.test")
    MembershipFactory(user=admin, tenant=tenant, role="client_admin")
    return Shop(tenant, payer, admin)


def order(shop: Shop, **changes: object) -> PaymentRequest:
    fields: dict[str, object] = {
        "tenant": shop.tenant,
        "payer": shop.payer,
        "purpose": "test.order",
        "purpose_ref": "42",
        "description": "Order 42",
        "currency": "IDR",
        "amount_minor": 50_000,
        "fee_minor": 350,
        "gateway": "sandbox",
        "method": "qris",
    }
    fields.update(changes)
    return PaymentRequest(**fields)  # type: ignore[arg-type]
