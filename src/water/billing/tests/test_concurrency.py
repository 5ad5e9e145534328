"""Concurrent ingestion consumers and a top-up end exactly where serial delivery ends."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from water.billing.models import LedgerEntry, PrepaidAccount
from water.billing.services import account_credit, readings_apply
from water.billing.services.ledger_check import ledger_check
from water.billing.tests.factories import billable, series
from water.meters.models import Reading

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks")


def _in_threads(jobs: list[Callable[[], object]]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], object]) -> None:
        try:
            start.wait()
            job()
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_overlapping_batches_and_a_topup_in_parallel_equal_the_serial_result():
    # given the same 60 readings split into two overlapping batches, and a top-up
    registers = [i * 350 for i in range(60)]
    readings = series(registers)
    first, second = readings[:40], readings[20:]
    serial, parallel = billable(), billable()
    # when one meter gets them serially
    account_credit(meter=serial.meter, amount_idr=80_000, kind="topup", idempotency_key="s:1")
    readings_apply(meter=serial.meter, readings=first, source="mqtt")
    readings_apply(meter=serial.meter, readings=second, source="mqtt")
    # and the other from two consumers and a payment at the same time, repeatedly
    for round_ in range(3):
        errors = _in_threads(
            [
                lambda: readings_apply(meter=parallel.meter, readings=first, source="mqtt"),
                lambda: readings_apply(meter=parallel.meter, readings=second, source="http"),
                lambda: account_credit(
                    meter=parallel.meter, amount_idr=80_000, kind="topup", idempotency_key="p:1"
                ),
            ]
        )
        assert errors == [], f"round {round_}: {errors!r}"

    # then both end with the same readings, charges and balance, each billed once
    def outcome(meter):
        rows = list(
            Reading.objects.filter(meter=meter)
            .order_by("taken_at")
            .values_list("consumption_litres", "charge_idr")
        )
        return rows, PrepaidAccount.objects.get(meter=meter).balance_idr

    assert outcome(parallel.meter) == outcome(serial.meter)
    # 59 × 350 L = 20,650 L: 10 m³ × 5,000 + 10 m³ × 6,000 + 0.65 m³ × 7,000 = 114,550
    assert outcome(serial.meter)[1] == 80_000 - 114_550
    assert LedgerEntry.objects.filter(account__meter=parallel.meter, kind="topup").count() == 1
    assert ledger_check().problems == []
