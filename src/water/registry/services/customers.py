"""A client's customers and their portal accounts.

NIK and phone numbers are personal data: they are stored encrypted by the model fields and
never written to logs or audit rows (audit data names the fields that changed, not values).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from core.accounts.models import Membership, User, normalise_email
from core.accounts.roles import Role
from core.accounts.services.memberships import membership_add
from core.audit.services import audit_record
from core.errors import NotFound
from core.tenancy.models import Tenant
from water.errors import ValidationFailed
from water.registry import actions
from water.registry.errors import InUse
from water.registry.models import Customer
from water.registry.services._common import (
    changed_fields,
    conflict,
    require_admin,
    require_staff,
)
from water.registry.validators import nik_normalise, phone_e164

EDITABLE_FIELDS = frozenset(
    {
        "customer_number",
        "full_name",
        "email",
        "phone",
        "nik",
        "address",
        "customer_class",
        "status",
    }
)
SENSITIVE_FIELDS = frozenset({"nik", "phone"})


def _number_taken() -> Exception:
    return conflict("customer_number", "A customer with this number already exists.")


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    if "nik" in cleaned:
        cleaned["nik"] = nik_normalise(cleaned["nik"] or "")
    if "phone" in cleaned:
        cleaned["phone"] = phone_e164(cleaned["phone"] or "")
    if "email" in cleaned and cleaned["email"]:
        cleaned["email"] = normalise_email(cleaned["email"])
    return cleaned


def customer_create(
    *,
    actor: User,
    tenant_id: int,
    customer_number: str,
    full_name: str,
    email: str = "",
    phone: str = "",
    nik: str = "",
    address: str = "",
    customer_class: str = "residential",
    status: str = "active",
) -> Customer:
    """Register a customer; the number is unique within the client, NIK and phone checked."""
    require_staff(actor, tenant_id)
    values = _clean({"email": email, "phone": phone, "nik": nik})
    with transaction.atomic():
        try:
            with transaction.atomic():
                customer = Customer.objects.create(
                    tenant_id=tenant_id,
                    customer_number=customer_number,
                    full_name=full_name,
                    address=address,
                    customer_class=customer_class,
                    status=status,
                    **values,
                )
        except IntegrityError as exc:
            raise _number_taken() from exc
        audit_record(
            action=actions.CUSTOMER_CREATED,
            actor=actor,
            tenant=tenant_id,
            target=customer,
            data={"customer_number": customer_number, "with_nik": bool(values["nik"])},
        )
    return customer


def _lock(tenant_id: int, customer_id: int) -> Customer:
    customer = (
        Customer.objects.select_for_update().filter(pk=customer_id, tenant_id=tenant_id).first()
    )
    if customer is None:
        raise NotFound("Customer not found.")
    return customer


def customer_update(
    *, actor: User, tenant_id: int, customer_id: int, changes: Mapping[str, Any]
) -> Customer:
    """Edit a customer; audited with the names of the changed fields only."""
    require_staff(actor, tenant_id)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}.")
    cleaned = _clean(changes)
    with transaction.atomic():
        customer = _lock(tenant_id, customer_id)
        diff = changed_fields(customer, cleaned)
        if not diff:
            return customer
        fields = [*diff, "updated_at"] + (["nik_bidx"] if "nik" in diff else [])
        try:
            with transaction.atomic():
                customer.save(update_fields=fields)
        except IntegrityError as exc:
            raise _number_taken() from exc
        audit_record(
            action=actions.CUSTOMER_UPDATED,
            actor=actor,
            tenant=tenant_id,
            target=customer,
            data={"fields": sorted(diff)},
        )
    return customer


def customer_delete(*, actor: User, tenant_id: int, customer_id: int) -> None:
    """Remove a customer who has no meter."""
    require_staff(actor, tenant_id)
    with transaction.atomic():
        customer = _lock(tenant_id, customer_id)
        if customer.meters.exists():
            raise InUse("Meters are assigned to this customer; reassign them first.")
        audit_record(
            action=actions.CUSTOMER_DELETED,
            actor=actor,
            tenant=tenant_id,
            target=customer,
            data={"customer_number": customer.customer_number},
        )
        customer.delete()


def customer_portal_access_grant(
    *, actor: User, tenant_id: int, customer_id: int, email: str
) -> Customer:
    """Link a customer to a portal account: get or invite the user, give them the customer
    role in the tenant and record the link (audited)."""
    require_admin(actor, tenant_id)
    address = normalise_email(email)
    with transaction.atomic():
        customer = _lock(tenant_id, customer_id)
        user = User.objects.filter(email=address).first()
        if customer.user_id is not None and (user is None or customer.user_id != user.pk):
            raise conflict("email", "This customer is already linked to another account.")
        membership = (
            Membership.objects.filter(user__email=address, tenant_id=tenant_id, role=Role.CUSTOMER)
            .select_related("user")
            .first()
        )
        held = membership is not None
        if membership is None:
            tenant = Tenant.objects.get(pk=tenant_id)
            membership = membership_add(
                actor=actor, tenant=tenant, user_email=address, role=Role.CUSTOMER
            )
        user = membership.user
        linked = customer.user_id != user.pk
        if linked:
            customer.user = user
            customer.save(update_fields=["user", "updated_at"])
        audit_record(
            action=actions.CUSTOMER_PORTAL_LINKED,
            actor=actor,
            tenant=tenant_id,
            target=customer,
            data={"user_id": user.pk, "membership_added": not held, "newly_linked": linked},
        )
    return customer
