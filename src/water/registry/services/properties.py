"""Creating, editing and removing a client's properties."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from core.audit.services import audit_record
from core.errors import NotFound
from water.errors import ValidationFailed
from water.registry import actions
from water.registry.errors import InUse
from water.registry.models import Property, PropertyEvent, VerificationStatus
from water.registry.services._common import changed_fields, conflict, require_staff
from water.registry.services.documents import document_files_delete_on_commit
from water.registry.services.verification import ADDRESS_CHANGED, record_status_change
from water.registry.validators import coordinates_check

if TYPE_CHECKING:
    from core.accounts.models import User

EDITABLE_FIELDS = frozenset(
    {
        "code",
        "name",
        "property_type",
        "address",
        "city",
        "province",
        "postal_code",
        "latitude",
        "longitude",
    }
)
# A change to any of these sends an approved property back for verification.
LOCATION_FIELDS = frozenset({"address", "city", "province", "postal_code", "latitude", "longitude"})
SUBMITTED = "submitted"


def _code_taken() -> Exception:
    return conflict("code", "A property with this code already exists for this client.")


def property_create(
    *,
    actor: User,
    tenant_id: int,
    code: str,
    name: str,
    property_type: str,
    address: str,
    city: str,
    province: str,
    postal_code: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Property:
    """Register a property; it starts pending verification (history: submitted)."""
    require_staff(actor, tenant_id)
    coordinates_check(latitude, longitude)
    with transaction.atomic():
        try:
            with transaction.atomic():
                prop = Property.objects.create(
                    tenant_id=tenant_id,
                    code=code,
                    name=name,
                    property_type=property_type,
                    address=address,
                    city=city,
                    province=province,
                    postal_code=postal_code,
                    latitude=latitude,
                    longitude=longitude,
                )
        except IntegrityError as exc:
            raise _code_taken() from exc
        PropertyEvent.objects.create(
            property=prop, actor=actor, action=SUBMITTED, to_status=VerificationStatus.PENDING
        )
        audit_record(
            action=actions.PROPERTY_CREATED,
            actor=actor,
            tenant=tenant_id,
            target=prop,
            data={"code": code, "property_type": property_type},
        )
    return prop


def _lock(tenant_id: int, property_id: int) -> Property:
    prop = Property.objects.select_for_update().filter(pk=property_id, tenant_id=tenant_id).first()
    if prop is None:
        raise NotFound("Property not found.")
    return prop


def property_update(
    *, actor: User, tenant_id: int, property_id: int, changes: Mapping[str, Any]
) -> Property:
    """Edit a property; a new address or location of an approved property sends it back to
    pending, recorded in its history."""
    require_staff(actor, tenant_id)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        prop = _lock(tenant_id, property_id)
        diff = changed_fields(prop, changes)
        if not diff:
            return prop
        coordinates_check(prop.latitude, prop.longitude)
        try:
            with transaction.atomic():
                prop.save(update_fields=[*diff, "updated_at"])
        except IntegrityError as exc:
            raise _code_taken() from exc
        audit_record(
            action=actions.PROPERTY_UPDATED,
            actor=actor,
            tenant=tenant_id,
            target=prop,
            data={"fields": sorted(diff)},
        )
        if (
            diff.keys() & LOCATION_FIELDS
            and prop.verification_status == VerificationStatus.APPROVED
        ):
            record_status_change(
                prop=prop,
                actor=actor,
                action=ADDRESS_CHANGED,
                to_status=VerificationStatus.PENDING,
                notes="Changed: " + ", ".join(sorted(diff.keys() & LOCATION_FIELDS)),
            )
    return prop


def property_delete(*, actor: User, tenant_id: int, property_id: int) -> None:
    """Remove a property that no meter uses, with its documents and history."""
    require_staff(actor, tenant_id)
    with transaction.atomic():
        prop = _lock(tenant_id, property_id)
        if prop.meters.exists():
            raise InUse("Meters are installed at this property; move or retire them first.")
        names = list(prop.documents.values_list("file", flat=True))
        audit_record(
            action=actions.PROPERTY_DELETED,
            actor=actor,
            tenant=tenant_id,
            target=prop,
            data={"code": prop.code},
        )
        prop.delete()
        document_files_delete_on_commit(names)
