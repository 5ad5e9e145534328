"""Gateway accounts per tenant (and the platform's fallback): sealed secrets, audited changes."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from core.accounts.models import User
from core.audit import actions
from core.audit.services import audit_record
from core.errors import NotFound
from core.payments.errors import PaymentInvalid
from core.payments.gateways.registry import gateway_class, gateway_names
from core.payments.models import GatewayCredential


@dataclass(frozen=True)
class CredentialView:
    """What may be shown of a credential: never a secret, only which ones are set."""

    gateway: str
    label: str
    configured: bool
    enabled: bool
    production: bool
    secrets_set: list[str]
    secret_names: list[str]
    base_url: str
    inherited: bool  # the platform's account is used because the tenant has none


# Non-secret settings some vendors take beside their keys (FAC page set, WiPay country…).
OPTIONAL_SETTINGS = frozenset({"page_set", "page_name", "country_code", "fee_structure", "origin"})


def _owner(tenant_id: int | None) -> Q:
    return Q(tenant__isnull=True) if tenant_id is None else Q(tenant_id=tenant_id)


def _real_gateways() -> list[str]:
    return [name for name in gateway_names() if name != "sandbox"]


def credential_list_for(*, tenant_id: int | None) -> list[CredentialView]:
    """Every real gateway with this tenant's (or the platform's) account state."""
    rows = {
        (row.tenant_id, row.gateway): row
        for row in GatewayCredential.objects.filter(_owner(tenant_id) | _owner(None))
    }
    views = []
    for name in _real_gateways():
        cls = gateway_class(name)
        own = rows.get((tenant_id, name))
        platform = rows.get((None, name)) if tenant_id is not None else None
        row = own or platform
        views.append(
            CredentialView(
                gateway=name,
                label=cls.label,
                configured=row is not None,
                enabled=bool(row and row.enabled),
                production=bool(row and row.production),
                secrets_set=sorted(json.loads(row.secrets)) if row else [],
                secret_names=list(cls.secret_names),
                base_url=row.base_url if row else "",
                inherited=own is None and platform is not None,
            )
        )
    return views


def credential_set(
    *,
    actor: User,
    tenant_id: int | None,
    gateway: str,
    production: bool,
    enabled: bool,
    secrets: dict[str, str],
    base_url: str | None = None,
) -> CredentialView:
    """Create or change an account; a secret left empty keeps its stored value. Audited."""
    if gateway not in _real_gateways():
        raise PaymentInvalid(f"There is no payment gateway called {gateway!r}.")
    cls = gateway_class(gateway)
    unknown = set(secrets) - set(cls.secret_names) - OPTIONAL_SETTINGS
    if unknown:
        raise PaymentInvalid(
            f"{cls.label} has no setting called {', '.join(sorted(unknown))}.",
            extra={"field": "secrets"},
        )
    with transaction.atomic():
        row = (
            GatewayCredential.objects.select_for_update()
            .filter(_owner(tenant_id), gateway=gateway)
            .first()
        )
        stored: dict[str, str] = json.loads(row.secrets) if row else {}
        merged = {**stored, **{k: v.strip() for k, v in secrets.items() if v.strip()}}
        missing = [name for name in cls.secret_names if not merged.get(name)]
        if missing and enabled:
            raise PaymentInvalid(
                f"{cls.label} needs {', '.join(missing)}.", extra={"field": "secrets"}
            )
        if row is None:
            row = GatewayCredential(tenant_id=tenant_id, gateway=gateway)
        row.production = production
        row.enabled = enabled
        row.secrets = json.dumps(merged, sort_keys=True)
        if base_url is not None:
            row.base_url = base_url
        row.save()
        audit_record(
            action=actions.PAYMENT_CREDENTIALS_CHANGED,
            actor=actor,
            tenant=tenant_id,
            data={
                "gateway": gateway,
                "production": production,
                "enabled": enabled,
                "secrets_changed": sorted(k for k, v in secrets.items() if v.strip()),
                "base_url": row.base_url,
            },
        )
    return next(v for v in credential_list_for(tenant_id=tenant_id) if v.gateway == gateway)


def credential_delete(*, actor: User, tenant_id: int | None, gateway: str) -> None:
    """Remove an account (its payers fall back to the platform's, if any). Audited."""
    with transaction.atomic():
        deleted, _ = GatewayCredential.objects.filter(_owner(tenant_id), gateway=gateway).delete()
        if not deleted:
            raise NotFound(f"No {gateway} account is set up here.")
        audit_record(
            action=actions.PAYMENT_CREDENTIALS_CHANGED,
            actor=actor,
            tenant=tenant_id,
            data={"gateway": gateway, "deleted": True},
        )
