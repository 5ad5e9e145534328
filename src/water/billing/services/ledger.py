"""The prepaid account row and the append-only ledger: every balance move goes through here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from core.accounts.models import User
from core.audit import actions
from core.audit.services import audit_record
from water.billing.models import EntryKind, LedgerEntry, PrepaidAccount
from water.meters.models import Meter


@dataclass
class Posting:
    """One ledger movement waiting to be written (amount signed: credits positive)."""

    kind: str
    amount_idr: int
    idempotency_key: str | None = None
    reading_id: int | None = None
    actor: User | None = None
    memo: str = ""


def month_of(moment: datetime, tz: ZoneInfo) -> date:
    """The first day of the local month `moment` falls in."""
    return moment.astimezone(tz).date().replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after `month`."""
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def month_bounds_utc(month: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local month as a half-open [start, end) range of aware datetimes."""
    start = datetime.combine(month, time(0), tzinfo=tz)
    end = datetime.combine(next_month(month), time(0), tzinfo=tz)
    return start, end


def account_locked(meter: Meter) -> PrepaidAccount:
    """The meter's account, created on first use and locked for this transaction.

    A replacement meter's new account takes over the old meter's balance through a pair of
    adjustments (the old account goes to zero), so the customer's credit or debt follows them.
    Must run inside a transaction.
    """
    account, created = PrepaidAccount.objects.get_or_create(
        meter=meter, defaults={"tenant_id": meter.tenant_id}
    )
    account = PrepaidAccount.objects.select_for_update().get(pk=account.pk)
    if created and meter.replaces_id is not None:
        _carry_over(meter=meter, account=account)
    return account


def _carry_over(*, meter: Meter, account: PrepaidAccount) -> None:
    old_meter_id = meter.replaces_id
    if old_meter_id is None:
        return
    old = PrepaidAccount.objects.select_for_update().filter(meter_id=old_meter_id).first()
    if old is None or old.balance_idr == 0:
        return
    amount = old.balance_idr
    memo = f"balance carried over to replacement meter {meter.serial}"
    post(old, [Posting(EntryKind.ADJUSTMENT, -amount, f"carryover:{old.pk}:out", memo=memo)])
    memo = f"balance carried over from replaced meter {meter.replaces_id}"
    post(account, [Posting(EntryKind.ADJUSTMENT, amount, f"carryover:{old.pk}:in", memo=memo)])
    old.save(update_fields=["balance_idr", "updated_at"])
    audit_record(
        action=actions.MONEY_MOVED,
        tenant=meter.tenant_id,
        target=account,
        actor_email="system",
        data={"carry_over_idr": amount, "from_account": old.pk, "to_account": account.pk},
    )


def post(account: PrepaidAccount, postings: list[Posting]) -> list[LedgerEntry]:
    """Append entries to a locked account and move its in-memory balance (caller saves it)."""
    entries: list[LedgerEntry] = []
    balance = account.balance_idr
    for posting in postings:
        balance += posting.amount_idr
        entries.append(
            LedgerEntry(
                tenant_id=account.tenant_id,
                account=account,
                kind=posting.kind,
                amount_idr=posting.amount_idr,
                balance_after_idr=balance,
                idempotency_key=posting.idempotency_key,
                reading_id=posting.reading_id,
                actor=posting.actor,
                memo=posting.memo[:200],
            )
        )
    if entries:
        LedgerEntry.objects.bulk_create(entries)
    account.balance_idr = balance
    return entries
