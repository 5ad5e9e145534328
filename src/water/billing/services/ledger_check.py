"""Proof that balances move only through the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from water.billing.models import LedgerEntry, PrepaidAccount


@dataclass(frozen=True)
class LedgerReport:
    """Accounts and entries checked, and one line per broken account."""

    accounts: int
    entries: int
    problems: list[str]


def ledger_check() -> LedgerReport:
    """Check every account: sum(entries) == balance, and each entry's balance_after equals
    the running sum of the account's entries in order."""
    problems: list[str] = []
    running: dict[int, int] = {}
    broken: set[int] = set()
    entries = 0
    rows = LedgerEntry.objects.order_by("account_id", "id").values_list(
        "account_id", "id", "amount_idr", "balance_after_idr"
    )
    for account_id, entry_id, amount, balance_after in rows.iterator(chunk_size=5000):
        entries += 1
        running[account_id] = running.get(account_id, 0) + amount
        if running[account_id] != balance_after and account_id not in broken:
            broken.add(account_id)
            problems.append(
                f"account {account_id}: entry {entry_id} says balance {balance_after}, "
                f"running sum is {running[account_id]}"
            )
    accounts = 0
    for account_id, meter_serial, balance in PrepaidAccount.objects.order_by("pk").values_list(
        "pk", "meter__serial", "balance_idr"
    ):
        accounts += 1
        total = running.get(account_id, 0)
        if total != balance:
            problems.append(
                f"account {account_id} (meter {meter_serial}): balance {balance}, "
                f"entries sum to {total}"
            )
    return LedgerReport(accounts=accounts, entries=entries, problems=problems)
