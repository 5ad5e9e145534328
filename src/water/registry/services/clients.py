"""Water authorities: creation with their tenant, profile and settings, status, holidays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from core.audit import actions as core_actions
from core.audit.services import audit_record
from core.errors import NotFound, PermissionDenied
from core.tenancy.models import Tenant, TenantKind, TenantStatus
from water.errors import InvalidTransition, ValidationFailed
from water.registry import actions
from water.registry.models import Client, ClientHoliday, ClientStatus
from water.registry.services._common import changed_fields, conflict, require_admin
from water.registry.validators import npwp_normalise, phone_e164, timezone_check

if TYPE_CHECKING:
    from core.accounts.models import User

# Who may change what: the client's administrators keep their contacts and prepaid rules;
# identity, time zone and the platform's service fee are the superadmin's.
CONTACT_FIELDS = frozenset(
    {"contact_name", "contact_email", "contact_phone", "address", "city", "province", "postal_code"}
)
SETTINGS_FIELDS = frozenset(
    {
        "low_balance_threshold_idr",
        "no_disconnect_from",
        "no_disconnect_until",
        "no_disconnect_sundays",
        "emergency_credit_idr",
    }
)
PLATFORM_FIELDS = frozenset(
    {"legal_name", "npwp", "timezone", "service_fee_type", "service_fee_value"}
)
SENSITIVE_FIELDS = frozenset({"contact_phone"})


def _require_superadmin(actor: User) -> None:
    if not actor.is_superuser:
        raise PermissionDenied("Only the platform superadmin may do this.")


def client_create(
    *,
    actor: User,
    name: str,
    slug: str,
    legal_name: str,
    npwp: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    timezone: str = "Asia/Jakarta",
    address: str = "",
    city: str = "",
    province: str = "",
    postal_code: str = "",
) -> Client:
    """Create a water-authority tenant and its client profile together (superadmin)."""
    _require_superadmin(actor)
    npwp_digits = npwp_normalise(npwp)
    phone = phone_e164(contact_phone, field="contact_phone")
    timezone_check(timezone)
    with transaction.atomic():
        try:
            with transaction.atomic():
                tenant = Tenant.objects.create(
                    kind=TenantKind.WATER_AUTHORITY, name=name, slug=slug, timezone=timezone
                )
        except IntegrityError as exc:
            raise conflict("slug", "A tenant with this slug already exists.") from exc
        client = Client.objects.create(
            tenant=tenant,
            legal_name=legal_name,
            npwp=npwp_digits,
            contact_name=contact_name,
            contact_email=contact_email,
            contact_phone=phone,
            timezone=timezone,
            address=address,
            city=city,
            province=province,
            postal_code=postal_code,
        )
        audit_record(
            action=actions.CLIENT_CREATED,
            actor=actor,
            tenant=tenant,
            target=client,
            data={"slug": slug, "legal_name": legal_name, "timezone": timezone},
        )
    return client


def _clean(changes: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = dict(changes)
    if "npwp" in cleaned:
        cleaned["npwp"] = npwp_normalise(cleaned["npwp"])
    if "contact_phone" in cleaned:
        cleaned["contact_phone"] = phone_e164(cleaned["contact_phone"], field="contact_phone")
    if "timezone" in cleaned:
        timezone_check(cleaned["timezone"])
    return cleaned


def _check_window(client: Client) -> None:
    if client.no_disconnect_from == client.no_disconnect_until:
        message = "The no-disconnection window must not start and end at the same time."
        raise ValidationFailed(
            message,
            extra={"errors": [{"field": "no_disconnect_until", "message": message}]},
        )


def _audit_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.time) else value


def client_update(*, actor: User, tenant_id: int, changes: Mapping[str, Any]) -> Client:
    """Change a client's contacts and settings (its admins) or identity and fees (superadmin).

    Audited as a configuration change with the values before and after; the contact phone
    is personal data and is recorded only as changed.
    """
    require_admin(actor, tenant_id)
    unknown = set(changes) - CONTACT_FIELDS - SETTINGS_FIELDS - PLATFORM_FIELDS
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}.")
    reserved = sorted(set(changes) & PLATFORM_FIELDS)
    if reserved and not actor.is_superuser:
        raise PermissionDenied(
            f"Only the platform superadmin may change {', '.join(reserved)}.",
            extra={"field": reserved[0]},
        )
    cleaned = _clean(changes)
    with transaction.atomic():
        client = Client.objects.select_for_update().filter(tenant_id=tenant_id).first()
        if client is None:
            raise NotFound("Client not found.")
        diff = changed_fields(client, cleaned)
        if not diff:
            return client
        _check_window(client)
        client.save(update_fields=[*diff, "updated_at"])
        if "timezone" in diff:
            Tenant.objects.filter(pk=tenant_id).update(timezone=client.timezone)
        plain = {k: v for k, v in diff.items() if k not in SENSITIVE_FIELDS}
        audit_record(
            action=core_actions.CONFIG_CHANGED,
            actor=actor,
            tenant=tenant_id,
            target=client,
            data={
                "before": {k: _audit_value(before) for k, (before, _) in plain.items()},
                "after": {k: _audit_value(after) for k, (_, after) in plain.items()},
                "sensitive_changed": sorted(set(diff) & SENSITIVE_FIELDS),
            },
        )
    return client


def client_status_set(*, actor: User, tenant_id: int, status: str, reason: str = "") -> Client:
    """Suspend or reactivate a client; its tenant's status follows (superadmin, audited)."""
    _require_superadmin(actor)
    with transaction.atomic():
        client = Client.objects.select_for_update().filter(tenant_id=tenant_id).first()
        if client is None:
            raise NotFound("Client not found.")
        tenant = Tenant.objects.select_for_update().get(pk=tenant_id)
        if client.status == status:
            raise InvalidTransition(f"The client is already {status}.")
        before = client.status
        client.status = status
        client.save(update_fields=["status", "updated_at"])
        tenant.status = (
            TenantStatus.SUSPENDED if status == ClientStatus.SUSPENDED else TenantStatus.ACTIVE
        )
        tenant.save(update_fields=["status"])
        audit_record(
            action=actions.CLIENT_STATUS_CHANGED,
            actor=actor,
            tenant=tenant,
            target=client,
            data={"from": before, "to": status, "reason": reason},
        )
    return client


def holiday_add(*, actor: User, tenant_id: int, date: dt.date, name: str) -> ClientHoliday:
    """Add a day on which no customer of the client is disconnected (audited as a setting)."""
    require_admin(actor, tenant_id)
    with transaction.atomic():
        if not Client.objects.select_for_update().filter(tenant_id=tenant_id).exists():
            raise NotFound("Client not found.")
        try:
            with transaction.atomic():
                holiday = ClientHoliday.objects.create(tenant_id=tenant_id, date=date, name=name)
        except IntegrityError as exc:
            raise conflict("date", "A holiday on this date already exists.") from exc
        audit_record(
            action=core_actions.CONFIG_CHANGED,
            actor=actor,
            tenant=tenant_id,
            target=holiday,
            data={"setting": "holiday", "before": None, "after": {"date": date, "name": name}},
        )
    return holiday


def holiday_delete(*, actor: User, tenant_id: int, holiday_id: int) -> None:
    """Remove one of the client's holidays (audited as a setting)."""
    require_admin(actor, tenant_id)
    with transaction.atomic():
        holiday = (
            ClientHoliday.objects.select_for_update()
            .filter(pk=holiday_id, tenant_id=tenant_id)
            .first()
        )
        if holiday is None:
            raise NotFound("Holiday not found.")
        audit_record(
            action=core_actions.CONFIG_CHANGED,
            actor=actor,
            tenant=tenant_id,
            target=holiday,
            data={
                "setting": "holiday",
                "before": {"date": holiday.date, "name": holiday.name},
                "after": None,
            },
        )
        holiday.delete()
