"""The property verification state machine.

    pending ──start_review──▶ under_review ──approve──────▶ approved
                                    │ ──reject (reason)───▶ rejected ─────┐
                                    └──request_update────▶ needs_update ──┤ resubmit
    pending ◀─────────────────────────────────────────────────────────────┘

Review actions belong to the platform superadmin; the client's staff resubmit. Every step
writes a PropertyEvent and an audit row in the same transaction; any other (state, action)
pair is an invalid transition and changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from core.audit.services import audit_record
from core.errors import NotFound, PermissionDenied
from water.errors import InvalidTransition, ValidationFailed
from water.registry import actions
from water.registry.models import Property, PropertyEvent
from water.registry.models import VerificationStatus as S
from water.registry.services._common import require_staff

if TYPE_CHECKING:
    from core.accounts.models import User

START_REVIEW = "start_review"
APPROVE = "approve"
REJECT = "reject"
REQUEST_UPDATE = "request_update"
RESUBMIT = "resubmit"
ACTIONS = (START_REVIEW, APPROVE, REJECT, REQUEST_UPDATE, RESUBMIT)
REVIEW_ACTIONS = frozenset({START_REVIEW, APPROVE, REJECT, REQUEST_UPDATE})
NOTES_REQUIRED = frozenset({REJECT, REQUEST_UPDATE})
# Event recorded when an approved property's address changes and it returns to pending.
ADDRESS_CHANGED = "address_changed"

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.PENDING, START_REVIEW): S.UNDER_REVIEW,
    (S.UNDER_REVIEW, APPROVE): S.APPROVED,
    (S.UNDER_REVIEW, REJECT): S.REJECTED,
    (S.UNDER_REVIEW, REQUEST_UPDATE): S.NEEDS_UPDATE,
    (S.NEEDS_UPDATE, RESUBMIT): S.PENDING,
    (S.REJECTED, RESUBMIT): S.PENDING,
}


def record_status_change(
    *, prop: Property, actor: User | None, action: str, to_status: str, notes: str = ""
) -> PropertyEvent:
    """Move a locked property to `to_status`, writing its history event and audit row."""
    from_status = prop.verification_status
    prop.verification_status = to_status
    prop.verification_status_changed_at = timezone.now()
    update = ["verification_status", "verification_status_changed_at", "updated_at"]
    if action in NOTES_REQUIRED or action == APPROVE:
        prop.verification_notes = notes
        update.append("verification_notes")
    prop.save(update_fields=update)
    event = PropertyEvent.objects.create(
        property=prop,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        notes=notes,
    )
    audit_record(
        action=actions.PROPERTY_VERIFICATION,
        actor=actor,
        tenant=prop.tenant_id,
        target=prop,
        data={"action": action, "from": from_status, "to": to_status, "notes": notes},
    )
    return event


def property_verification_transition(
    *, actor: User, tenant_id: int, property_id: int, action: str, notes: str = ""
) -> Property:
    """Apply one verification action to a property, or refuse it and change nothing."""
    require_staff(actor, tenant_id)
    if action not in ACTIONS:
        raise ValidationFailed(
            "Unknown verification action.",
            extra={"errors": [{"field": "action", "message": f"One of {', '.join(ACTIONS)}."}]},
        )
    if action in REVIEW_ACTIONS and not actor.is_superuser:
        raise PermissionDenied("Only the platform superadmin reviews properties.")
    notes = notes.strip()
    if action in NOTES_REQUIRED and not notes:
        message = "Give the reason or the changes needed."
        raise ValidationFailed(message, extra={"errors": [{"field": "notes", "message": message}]})
    with transaction.atomic():
        prop = (
            Property.objects.select_for_update().filter(pk=property_id, tenant_id=tenant_id).first()
        )
        if prop is None:
            raise NotFound("Property not found.")
        to_status = TRANSITIONS.get((prop.verification_status, action))
        if to_status is None:
            raise InvalidTransition(
                f"A property that is {prop.verification_status} cannot take '{action}'.",
                extra={"from": prop.verification_status, "action": action},
            )
        record_status_change(
            prop=prop, actor=actor, action=action, to_status=to_status, notes=notes
        )
    return prop
