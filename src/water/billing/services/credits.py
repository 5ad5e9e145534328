"""Credits and corrections to a prepaid account: top-ups, adjustments, refunds."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.accounts.models import User
from core.audit import actions
from core.audit.services import audit_record
from water.billing.models import EntryKind, LedgerEntry
from water.billing.services.ledger import Posting, account_locked, post
from water.billing.services.live import balances_publish
from water.billing.services.rules import balance_changed, client_for
from water.errors import Conflict, ValidationFailed
from water.meters.models import Meter

CREDIT_KINDS = (EntryKind.TOPUP, EntryKind.ADJUSTMENT, EntryKind.REFUND)


def _validate(kind: str, amount_idr: int, actor: User | None, memo: str) -> None:
    if kind not in CREDIT_KINDS:
        raise ValidationFailed(f"A credit is a top-up, an adjustment or a refund, not {kind!r}.")
    if not isinstance(amount_idr, int) or isinstance(amount_idr, bool):
        raise ValidationFailed("Amounts are whole Rupiah.")
    if kind == EntryKind.TOPUP and amount_idr <= 0:
        raise ValidationFailed("A top-up must be above zero.", extra={"field": "amount_idr"})
    if kind == EntryKind.REFUND and amount_idr >= 0:
        raise ValidationFailed("A refund takes money out: it must be negative.")
    if kind == EntryKind.ADJUSTMENT and amount_idr == 0:
        raise ValidationFailed("An adjustment of zero moves nothing.")
    if actor is not None and not memo.strip():
        raise ValidationFailed("A staff credit needs a reason.", extra={"field": "reason"})


def _existing(meter: Meter, key: str | None) -> LedgerEntry | None:
    if key is None:
        return None
    found = LedgerEntry.objects.select_related("account").filter(idempotency_key=key).first()
    if found is not None and found.account.meter_id != meter.pk:
        raise Conflict("This idempotency key was used for another meter.")
    return found


def account_credit(
    *,
    meter: Meter,
    amount_idr: int,
    kind: str,
    idempotency_key: str | None,
    actor: User | None = None,
    memo: str = "",
) -> LedgerEntry:
    """Move money into (or, for refunds and negative adjustments, out of) a meter's account.

    A repeated idempotency key returns the entry it created and moves nothing. Lifting the
    balance above zero opens the valve, resolves the balance alerts and sends credit_restored
    after commit; a debit that exhausts the credit closes it (within friendly credit). The
    new balance is published live (`water.balance`). Audited.
    """
    _validate(kind, amount_idr, actor, memo)
    if idempotency_key is not None and len(idempotency_key) > 120:
        raise ValidationFailed("The idempotency key is too long.")
    found = _existing(meter, idempotency_key)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            account = account_locked(meter)
            # Under the lock: a concurrent call with the same key has committed by now.
            found = _existing(meter, idempotency_key)
            if found is not None:
                return found
            before = account.balance_idr
            posting = Posting(kind, amount_idr, idempotency_key, None, actor, memo)
            (entry,) = post(account, [posting])
            client = client_for(meter.tenant_id)
            changed = balance_changed(
                account=account,
                meter=meter,
                client=client,
                before_idr=before,
                now_utc=timezone.now(),
            )
            account.save(update_fields=["balance_idr", "updated_at", *changed])
            balances_publish({meter.pk: account.balance_idr})
            audit_record(
                action=actions.MONEY_MOVED,
                actor=actor,
                tenant=meter.tenant_id,
                target=entry,
                actor_email="" if actor is not None else "system",
                data={
                    "meter": meter.serial,
                    "kind": kind,
                    "amount_idr": amount_idr,
                    "balance_idr": account.balance_idr,
                    "key": idempotency_key,
                    "memo": memo[:200],
                },
            )
    except IntegrityError:
        # Another caller committed the same key between our check and our insert.
        found = _existing(meter, idempotency_key)
        if found is None:
            raise
        return found
    return entry
