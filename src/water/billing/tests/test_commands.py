"""check_ledger, enforce_credit_rules and bill_month_end."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from water.billing.models import LedgerEntry, PrepaidAccount
from water.billing.services import account_credit, readings_apply
from water.billing.services.month_end import credit_rules_enforce, minimum_charges_bill
from water.billing.tests.factories import T0, billable, series
from water.meters.models import ValveState
from water.registry.models import ClientHoliday
from water.valves.models import CommandKind, ValveCommand

pytestmark = pytest.mark.django_db


def _run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=out)
    return out.getvalue()


def test_check_ledger_says_ok_with_counts():
    world = billable()
    account_credit(meter=world.meter, amount_idr=30_000, kind="topup", idempotency_key="k:1")
    readings_apply(meter=world.meter, readings=series([0, 1_000]), source="mqtt")
    assert _run("check_ledger") == "OK: 1 accounts, 2 entries\n"


def test_check_ledger_names_a_corrupted_balance_and_fails():
    # given a balance changed behind the ledger's back
    world = billable()
    account_credit(meter=world.meter, amount_idr=30_000, kind="topup", idempotency_key="k:1")
    account = PrepaidAccount.objects.get(meter=world.meter)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {PrepaidAccount._meta.db_table} SET balance_idr = 99999 WHERE id = %s",  # noqa: S608
            [account.pk],
        )
    # when the check runs, then it names the account and exits 1
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("check_ledger", stdout=StringIO(), stderr=err)
    assert caught.value.returncode == 1
    assert err.getvalue() == (
        f"account {account.pk} (meter {world.meter.serial}): balance 99999, entries sum to 30000\n"
    )


def test_check_ledger_finds_a_broken_running_balance():
    world = billable()
    account_credit(meter=world.meter, amount_idr=30_000, kind="topup", idempotency_key="k:1")
    entry = account_credit(meter=world.meter, amount_idr=5_000, kind="topup", idempotency_key="k:2")
    LedgerEntry.objects.filter(pk=entry.pk).update(balance_after_idr=1)
    with pytest.raises(CommandError, match="1 problem"):
        _run("check_ledger")


def test_friendly_credit_postpones_the_close_until_enforce_credit_rules_runs():
    # given a holiday today, so the exhausted meter keeps its water
    world = billable()
    today = timezone.now().astimezone(ZoneInfo("Asia/Jakarta")).date()
    ClientHoliday.objects.create(tenant=world.tenant, date=today, name="Nyepi")
    readings_apply(meter=world.meter, readings=series([0, 2_000]), source="mqtt")
    assert not ValveCommand.objects.filter(meter=world.meter).exists()
    # when the rules are enforced still on the holiday, nothing happens
    noon_today = datetime.combine(today, datetime.min.time(), tzinfo=ZoneInfo("Asia/Jakarta"))
    assert credit_rules_enforce(now=noon_today + timedelta(hours=12)) == 0
    # when they run on an ordinary Monday morning, the close is queued once
    monday = datetime(2030, 3, 4, 1, 0, tzinfo=UTC)
    assert credit_rules_enforce(now=monday) == 1
    assert credit_rules_enforce(now=monday) == 0
    command = ValveCommand.objects.get(meter=world.meter)
    assert (command.kind, command.reason) == (CommandKind.CLOSE, "credit exhausted")


def test_enforce_credit_rules_skips_closed_valves_and_positive_balances():
    closed, funded = billable(), billable()
    PrepaidAccount.objects.create(tenant=closed.tenant, meter=closed.meter, balance_idr=-5_000)
    closed.meter.valve_state = ValveState.CLOSED
    closed.meter.save(update_fields=["valve_state"])
    account_credit(meter=funded.meter, amount_idr=10_000, kind="topup", idempotency_key="k:1")
    assert _run("enforce_credit_rules") == "0 valve close(s) queued\n"
    assert not ValveCommand.objects.filter(kind=CommandKind.CLOSE).exists()


def test_bill_month_end_tops_up_to_the_minimum_once():
    # given a March with Rp 10,000 of consumption under a Rp 30,000 minimum
    world = billable(minimum_idr=30_000)
    readings_apply(meter=world.meter, readings=series([0, 2_000]), source="mqtt")
    account = PrepaidAccount.objects.get(meter=world.meter)
    # when March is billed, twice
    assert _run("bill_month_end", "--month", "2026-03") == "1 minimum charge(s) billed\n"
    assert _run("bill_month_end", "--month", "2026-03") == "0 minimum charge(s) billed\n"
    # then Rp 20,000 was charged once
    entries = list(
        LedgerEntry.objects.filter(kind="minimum_charge").values_list(
            "idempotency_key", "amount_idr"
        )
    )
    assert entries == [(f"minimum:{account.pk}:2026-03", -20_000)]
    assert PrepaidAccount.objects.get(pk=account.pk).balance_idr == -30_000


def test_bill_month_end_defaults_to_the_previous_local_month():
    world = billable(minimum_idr=30_000)
    readings_apply(meter=world.meter, readings=series([0, 8_000]), source="mqtt")
    # 2026-04-01 00:30 in Jakarta: the previous local month is March
    billed = minimum_charges_bill(now=datetime(2026, 3, 31, 17, 30, tzinfo=UTC))
    assert billed == 0  # 40,000 consumed is above the minimum
    readings_apply(meter=billable(minimum_idr=30_000).meter, readings=series([0]), source="mqtt")
    assert minimum_charges_bill(now=datetime(2026, 3, 31, 17, 30, tzinfo=UTC)) == 1


def test_bill_month_end_refuses_a_malformed_month():
    with pytest.raises(CommandError, match="--month must look like 2026-03"):
        _run("bill_month_end", "--month", "March")
    assert T0.date() == date(2026, 3, 2)
