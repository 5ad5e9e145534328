"""Writing and verifying the audit chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from core.audit.models import AuditChainHead, AuditEvent
from core.ops.context import current_request_meta

if TYPE_CHECKING:
    from core.accounts.models import User
    from core.tenancy.models import Tenant

GENESIS_HASH = "0" * 64


def _row_digest(event: AuditEvent) -> str:
    """SHA-256 over the canonical JSON of every recorded field plus the previous hash."""
    payload = {
        "seq": event.seq,
        "created_at": event.created_at.isoformat(),
        "action": event.action,
        "actor_id": event.actor_id,
        "actor_email": event.actor_email,
        "tenant_id": event.tenant_id,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "data": event.data,
        "ip_address": event.ip_address,
        "request_id": event.request_id,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    tenant: Tenant | int | None = None,
    target: Any = None,
    data: dict[str, Any] | None = None,
    actor_email: str = "",
) -> AuditEvent:
    """Append one event inside the caller's transaction (it commits or rolls back with it).

    The chain head row is locked for the duration, so concurrent writers append in turn.
    """
    meta = current_request_meta()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.seq + 1,
            created_at=timezone.now(),
            action=action,
            actor_id=actor.pk if actor is not None else None,
            actor_email=(actor.email if actor is not None else actor_email)[:254],
            tenant_id=tenant if isinstance(tenant, int) or tenant is None else tenant.pk,
            target_type=type(target).__name__.lower() if target is not None else "",
            target_id=str(getattr(target, "pk", "") or "") if target is not None else "",
            data=json.loads(json.dumps(data or {}, default=str)),
            ip_address=meta.ip,
            request_id=meta.request_id,
            prev_hash=head.last_hash,
        )
        event.hash = _row_digest(event)
        event.save(force_insert=True)
        head.seq, head.last_hash = event.seq, event.hash
        head.save(update_fields=["seq", "last_hash"])
    return event


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a verification: rows checked and the first broken row, if any."""

    checked: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def audit_chain_verify(events: Iterable[AuditEvent] | None = None) -> ChainReport:
    """Recompute every hash in order; name the first row whose hash or link is wrong."""
    rows = events if events is not None else AuditEvent.objects.order_by("seq").iterator(2000)
    previous_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    for event in rows:
        if event.seq != expected_seq:
            return ChainReport(checked, event.seq, f"expected seq {expected_seq} (row missing)")
        if event.prev_hash != previous_hash:
            return ChainReport(checked, event.seq, "prev_hash does not match the previous row")
        if _row_digest(event) != event.hash:
            return ChainReport(checked, event.seq, "row content does not match its hash")
        previous_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    return ChainReport(checked)
