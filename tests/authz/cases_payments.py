"""Matrix cases of the payments core: payer and staff API, gateway accounts, payment pages.

Payments are made directly in the tenant in scope: a cash top-up of a meter there, so a
refund reverses real ledger credit without calling a gateway.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from core.payments.gateways.sandbox import book
from core.payments.models import Payment, State
from core.payments.services.start import reference_new
from tests.authz.cases import Case, Ctx, api, static
from water.tests.factories import MeterFactory

V1 = "/api/v1"
RANGE = "?from=2026-01-01T00:00:00Z&to=2099-01-01T00:00:00Z"


def _payment(ctx: Ctx, *, gateway: str = "cash", mine: bool = False) -> Payment:
    tenant = ctx.tenant or ctx.owner.memberships.first().tenant
    meter = MeterFactory(tenant=tenant)
    payment = Payment.objects.create(
        reference=reference_new("IW"),
        tenant=tenant,
        payer=ctx.owner if mine else None,
        purpose="water.topup",
        purpose_ref=str(meter.pk),
        description="Water credit",
        currency="IDR",
        amount_minor=20_000,
        fee_minor=0,
        total_minor=20_000,
        gateway=gateway,
        method="cash" if gateway == "cash" else "qris",
        state=State.SETTLED if gateway == "cash" else State.PENDING,
        settled_at=timezone.now() if gateway == "cash" else None,
        expires_at=timezone.now(),
    )
    if gateway == "sandbox":
        book.charge_open(
            order_id=payment.reference,
            transaction_id=f"trx-{payment.pk}",
            payment_type="qris",
            gross_amount="20000.00",
            currency="IDR",
            expires_at=timezone.now(),
        )
    return payment


def _tenant(ctx: Ctx, suffix: str) -> str:
    return f"{V1}/tenants/{ctx.tenant.pk}{suffix}"


def _refund(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    payment = _payment(ctx)
    body = {"amount_minor": 5_000, "reason": "Overpaid", "idempotency_key": "matrix"}
    return _tenant(ctx, f"/payments/{payment.reference}/refunds"), body


def _gateway_body() -> dict[str, Any]:
    return {
        "production": False,
        "enabled": True,
        "secrets": {"server_key": "SB-Mid-server-x", "client_key": "SB-Mid-client-x"},
    }


def _unknown_order() -> dict[str, Any]:
    return {"payload": json.dumps({"order_id": "IW-000000-NONE"})}


CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{V1}/payments"): api(lambda ctx: (f"{V1}/payments", None)),
    ("GET", f"{V1}/payments/{{reference}}"): api(
        lambda ctx: (f"{V1}/payments/{_payment(ctx, mine=True).reference}", None)
    ),
    ("POST", f"{V1}/payments/{{reference}}/check"): Case(
        build=lambda ctx: (f"{V1}/payments/{_payment(ctx, mine=True).reference}/check", None),
        method="POST",
    ),
    ("GET", f"{V1}/tenants/{{tenant_id}}/payments"): api(
        lambda ctx: (_tenant(ctx, "/payments"), None)
    ),
    ("POST", f"{V1}/tenants/{{tenant_id}}/payments/{{reference}}/refunds"): Case(
        build=_refund, method="POST", ok=frozenset({201})
    ),
    ("GET", f"{V1}/tenants/{{tenant_id}}/payment-stats"): api(
        lambda ctx: (_tenant(ctx, "/payment-stats" + RANGE), None)
    ),
    ("GET", f"{V1}/tenants/{{tenant_id}}/payment-reconciliation"): api(
        lambda ctx: (_tenant(ctx, "/payment-reconciliation" + RANGE), None)
    ),
    ("GET", f"{V1}/payment-reconciliation"): api(
        lambda ctx: (f"{V1}/payment-reconciliation{RANGE}", None)
    ),
    ("GET", f"{V1}/payment-stats"): api(lambda ctx: (f"{V1}/payment-stats{RANGE}", None)),
    ("GET", f"{V1}/tenants/{{tenant_id}}/payment-gateways"): api(
        lambda ctx: (_tenant(ctx, "/payment-gateways"), None)
    ),
    ("PUT", f"{V1}/tenants/{{tenant_id}}/payment-gateways/{{gateway}}"): Case(
        build=lambda ctx: (_tenant(ctx, "/payment-gateways/midtrans"), _gateway_body()),
        method="PUT",
    ),
    ("DELETE", f"{V1}/tenants/{{tenant_id}}/payment-gateways/{{gateway}}"): Case(
        build=lambda ctx: (
            _tenant(ctx, "/payment-gateways/midtrans"),
            None,
        ),
        method="DELETE",
        ok=frozenset({204, 404}),
    ),
    ("GET", f"{V1}/payment-gateways"): api(lambda ctx: (f"{V1}/payment-gateways", None)),
    ("PUT", f"{V1}/payment-gateways/{{gateway}}"): Case(
        build=lambda ctx: (f"{V1}/payment-gateways/midtrans", _gateway_body()),
        method="PUT",
    ),
    # Pages and gateway endpoints
    ("*", "/payments/webhooks/<slug:gateway>/"): static(
        "/payments/webhooks/sandbox/", method="POST", body=_unknown_order(), ok=(401,)
    ),
    ("*", "/payments/return/<str:reference>/"): Case(
        build=lambda ctx: (f"/payments/return/{_payment(ctx).reference}/", None),
        ok=frozenset({302}),
    ),
    ("*", "/payments/sandbox/<str:reference>/"): Case(
        build=lambda ctx: (f"/payments/sandbox/{_payment(ctx, gateway='sandbox').reference}/", None)
    ),
    ("*", "/payments/<str:reference>/"): Case(
        build=lambda ctx: (f"/payments/{_payment(ctx, mine=True).reference}/", None)
    ),
    ("*", "/payments/<str:reference>/receipt.pdf"): Case(
        build=lambda ctx: (f"/payments/{_payment(ctx, mine=True).reference}/receipt.pdf", None)
    ),
}
