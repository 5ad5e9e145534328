"""`manage.py rollup_usage`: rebuild the rollup from readings, and check it against them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from water.billing.models import DailyUsage
from water.billing.services import readings_apply
from water.billing.tests.factories import billable, series
from water.tests.factories import MeterFactory

pytestmark = pytest.mark.django_db

# 23:30 on March 2nd in Jakarta: hourly readings span March 2nd to 4th.
START = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)


def _rows() -> list[tuple[int, date, int, int, int]]:
    return list(
        DailyUsage.objects.order_by("meter_id", "day").values_list(
            "meter_id", "day", "litres", "charge_idr", "readings"
        )
    )


def _run(*args: str) -> str:
    out = StringIO()
    call_command("rollup_usage", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def billed():
    """Two billed meters of one tenant, hourly readings over three local days."""
    world = billable()
    second = MeterFactory(tenant=world.tenant, customer=world.meter.customer)
    for meter, step in ((world.meter, 40), (second, 25)):
        registers = [step * i for i in range(30)]
        readings_apply(
            meter=meter, readings=series(registers, start=START, step_minutes=60), source="mqtt"
        )
    return world.meter, second


def test_check_says_ok_when_billing_kept_the_rollup(billed):
    assert _run("--check") == "OK: the rollup equals the readings\n"
    assert len(_rows()) == 6


def test_check_names_a_tampered_row_and_fails(billed):
    # given a rollup row changed behind billing's back
    meter, _ = billed
    row = DailyUsage.objects.get(meter=meter, day=date(2026, 3, 3))
    DailyUsage.objects.filter(pk=row.pk).update(litres=row.litres + 1)
    # when the check runs, then it names the row and exits 1
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("rollup_usage", "--check", stdout=StringIO(), stderr=err)
    assert caught.value.returncode == 1
    assert err.getvalue() == (
        f"meter {meter.pk} on 2026-03-03: rollup {row.litres + 1} L, Rp {row.charge_idr}, "
        f"{row.readings} readings, readings {row.litres} L, Rp {row.charge_idr}, "
        f"{row.readings} readings\n"
    )


def test_check_finds_missing_and_extra_rows(billed):
    meter, second = billed
    DailyUsage.objects.filter(meter=second, day=date(2026, 3, 2)).delete()
    DailyUsage.objects.create(
        tenant_id=meter.tenant_id, meter=meter, day=date(2026, 3, 9), litres=5, readings=1
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("rollup_usage", "--check", stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert (
        lines[0]
        == f"meter {meter.pk} on 2026-03-09: rollup 5 L, Rp 0, 1 readings, readings missing"
    )
    assert lines[1].startswith(f"meter {second.pk} on 2026-03-02: rollup missing, readings ")
    assert len(lines) == 2


def test_rebuild_repairs_and_is_idempotent(billed):
    # given a rollup kept by billing, then damaged and partly lost
    meter, second = billed
    kept = _rows()
    DailyUsage.objects.filter(meter=meter, day=date(2026, 3, 3)).update(litres=1)
    DailyUsage.objects.filter(meter=second).delete()
    # when it is rebuilt twice
    assert _run() == "OK: 6 daily usage rows rebuilt\n"
    assert _run() == "OK: 6 daily usage rows rebuilt\n"
    # then it is what billing had written
    assert _rows() == kept
    assert _run("--check") == "OK: the rollup equals the readings\n"


def test_rebuild_of_one_meter_and_days_leaves_the_rest(billed):
    meter, second = billed
    kept = _rows()
    DailyUsage.objects.update(litres=0)
    # when only the first meter's March 3rd is rebuilt
    assert _run("--meter", str(meter.pk), "--from", "2026-03-03", "--to", "2026-03-03") == (
        "OK: 1 daily usage rows rebuilt\n"
    )
    # then only that row is repaired
    repaired = {(m, d) for m, d, litres, *_ in _rows() if litres}
    assert repaired == {(meter.pk, date(2026, 3, 3))}
    assert [r for r in _rows() if (r[0], r[1]) in repaired] == [
        r for r in kept if (r[0], r[1]) in repaired
    ]
    # and the check of that scope is clean while the whole one is not
    scoped = ("--meter", str(meter.pk), "--from", "2026-03-03", "--to", "2026-03-03", "--check")
    assert _run(*scoped) == "OK: the rollup equals the readings\n"
    with pytest.raises(CommandError):
        _run("--check", "--meter", str(second.pk))


def test_rebuild_refuses_reversed_dates():
    with pytest.raises(CommandError, match="--from is after --to"):
        _run("--from", "2026-03-04", "--to", "2026-03-03")
