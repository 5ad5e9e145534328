"""Writing and verifying the audit chain."""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from core.audit.models import AuditChainHead, AuditEvent
from core.ops.context import current_request_meta
from core.ops.metrics import record_audit_event

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


def _json_stable(value: Any) -> Any:
    """JSON as every database gives it back, so a stored row hashes the same after reading.

    PostgreSQL's jsonb stores numbers as `numeric` (``1e+16`` returns as an integer, ``-0.0``
    as ``0.0``) and refuses NUL characters; lone surrogates cannot be encoded at all.
    """
    if isinstance(value, dict):
        return {_json_stable(key): _json_stable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_stable(item) for item in value]
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode().replace("\x00", "\ufffd")
    if isinstance(value, float):
        if value == 0:
            return 0.0
        exact = Decimal(repr(value))
        if "e" in repr(value) and exact == exact.to_integral_value():
            return int(exact)
    return value


def _ip_normalised(ip: str | None) -> str | None:
    """The textual form the database gives back, so the stored row hashes the same."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if address.version == 6:
        return clean_ipv6_address(str(address).split("%")[0])
    return str(address)


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
    `data` must be JSON-serialisable (other values are stringified; NaN is refused).
    """
    payload = _json_stable(json.loads(json.dumps(data or {}, default=str, allow_nan=False)))
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
            target_type=type(target).__name__.lower()[:64] if target is not None else "",
            target_id=str(getattr(target, "pk", "") or "")[:64] if target is not None else "",
            data=payload,
            ip_address=_ip_normalised(meta.ip),
            request_id=meta.request_id[:64],
            prev_hash=head.last_hash,
        )
        event.hash = _row_digest(event)
        event.save(force_insert=True)
        head.seq, head.last_hash = event.seq, event.hash
        head.save(update_fields=["seq", "last_hash"])
        transaction.on_commit(lambda: record_audit_event(action))
    return event


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a verification: rows checked and the first broken row, if any."""

    checked: int
    broken_seq: int | None = None
    reason: str = ""
    broken_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def audit_chain_verify(events: Iterable[AuditEvent] | None = None) -> ChainReport:
    """Recompute every hash in order; name the first row whose hash or link is wrong.

    Walking the stored chain (no `events` given) also checks that its last row is the one the
    chain head recorded, which catches rows removed from the end.
    """
    rows = events if events is not None else AuditEvent.objects.order_by("seq").iterator(2000)
    previous_hash, expected_seq, checked, last_id = GENESIS_HASH, 1, 0, None
    for event in rows:
        if event.seq != expected_seq:
            return ChainReport(
                checked, event.seq, f"expected seq {expected_seq} (row missing)", event.pk
            )
        if event.prev_hash != previous_hash:
            return ChainReport(
                checked, event.seq, "prev_hash does not match the previous row", event.pk
            )
        if _row_digest(event) != event.hash:
            return ChainReport(checked, event.seq, "row content does not match its hash", event.pk)
        previous_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
        last_id = event.pk
    if events is None:
        head = AuditChainHead.objects.filter(pk=1).first()
        head_seq, head_hash = (head.seq, head.last_hash) if head else (0, GENESIS_HASH)
        if head_seq != checked:
            return ChainReport(
                checked,
                checked + 1,
                f"chain head records seq {head_seq} but the last row is seq {checked} "
                "(rows missing from the end)",
            )
        if head_hash != previous_hash:
            return ChainReport(
                checked,
                checked,
                "chain head hash differs from the last row's hash (rewritten)",
                last_id,
            )
    return ChainReport(checked)
