"""Billing API: ledger, balance, consumption, top-ups, adjustments, and the customer's view."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.audit import actions
from core.audit.models import AuditEvent
from core.payments.models import Payment
from water.billing.models import LedgerEntry, PrepaidAccount
from water.billing.services import account_credit, readings_apply
from water.billing.tests.factories import series
from water.tariffs.tests.factories import tariff_with_blocks
from water.tests.factories import CustomerFactory, MeterFactory
from water.tests.helpers import Api, authority, tenant_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdam():
    world = authority("pdam-bandung")
    tariff_with_blocks(tenant=world.tenant)
    return world


def _meter(world, user=None):
    customer = CustomerFactory(tenant=world.tenant, user=user)
    return MeterFactory(tenant=world.tenant, customer=customer)


def _entries(meter) -> list[tuple[str, int]]:
    return list(
        LedgerEntry.objects.filter(account__meter=meter)
        .order_by("id")
        .values_list("kind", "amount_idr")
    )


def test_the_ledger_pages_newest_first_in_a_fixed_number_of_queries(
    pdam, django_assert_num_queries
):
    meter = _meter(pdam)
    for n in range(5):
        account_credit(meter=meter, amount_idr=10_000 + n, kind="topup", idempotency_key=f"k{n}")
    api = Api(pdam.operator)
    url = tenant_url(pdam.tenant, f"/meters/{meter.pk}/ledger?limit=2&offset=1")
    with django_assert_num_queries(5):
        response = api.get(url)
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["limit"], body["offset"]) == (5, 2, 1)
    assert [item["amount_idr"] for item in body["items"]] == [10_003, 10_002]
    assert body["items"][0]["kind"] == "topup"


def test_another_tenants_meter_answers_404(pdam):
    other = authority("pdam-bogor")
    foreign = _meter(other)
    response = Api(pdam.admin).get(tenant_url(pdam.tenant, f"/meters/{foreign.pk}/balance"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_balance_shows_the_month_to_date(pdam):
    meter = _meter(pdam)
    account_credit(meter=meter, amount_idr=100_000, kind="topup", idempotency_key="k:1")
    readings_apply(meter=meter, readings=series([0, 12_000]), source="mqtt")
    response = Api(pdam.operator).get(tenant_url(pdam.tenant, f"/meters/{meter.pk}/balance"))
    assert response.json() == {
        "meter_id": meter.pk,
        "balance_idr": 100_000 - 62_000,
        "month_start": "2026-03-01",
        "month_litres": 12_000,
        "month_consumption_idr": 62_000,
        "low_balance_threshold_idr": 10_000,
    }


def test_consumption_is_grouped_by_local_day_and_month(pdam):
    meter = _meter(pdam)
    # 16:30 UTC is 23:30 on the 2nd in Jakarta; 17:00 and 17:30 UTC fall on the 3rd
    start = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    readings_apply(
        meter=meter, readings=series([0, 1_000, 3_000], start=start, step_minutes=30), source="mqtt"
    )
    april = datetime(2026, 4, 5, 3, 0, tzinfo=UTC)
    readings_apply(meter=meter, readings=series([4_000], start=april), source="mqtt")
    api = Api(pdam.operator)
    base = tenant_url(pdam.tenant, f"/meters/{meter.pk}/consumption")
    daily = api.get(f"{base}?period=daily&from=2026-03-02&to=2026-03-03").json()
    assert daily["buckets"] == [
        {"period_start": "2026-03-02", "litres": 0, "charge_idr": 0, "readings": 1},
        {"period_start": "2026-03-03", "litres": 3_000, "charge_idr": 15_000, "readings": 2},
    ]
    assert (daily["total_litres"], daily["total_charge_idr"]) == (3_000, 15_000)
    monthly = api.get(f"{base}?period=monthly&from=2026-03-15&to=2026-04-30").json()
    assert monthly["date_from"] == "2026-03-01"
    assert [(b["period_start"], b["litres"]) for b in monthly["buckets"]] == [
        ("2026-03-01", 3_000),
        ("2026-04-01", 1_000),
    ]


def test_a_backwards_or_too_long_range_is_refused(pdam):
    meter = _meter(pdam)
    base = tenant_url(pdam.tenant, f"/meters/{meter.pk}/consumption")
    api = Api(pdam.operator)
    assert api.get(f"{base}?from=2026-03-05&to=2026-03-01").status_code == 422
    assert api.get(f"{base}?period=daily&from=2025-01-01&to=2026-03-01").status_code == 422


def test_an_operator_records_a_cash_topup_once(pdam):
    meter = _meter(pdam)
    api = Api(pdam.operator)
    url = tenant_url(pdam.tenant, f"/meters/{meter.pk}/topups")
    body = {"amount_idr": 50_000, "reason": "cash at the counter", "idempotency_key": "loket-0001"}
    first = api.post(url, body)
    again = api.post(url, body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["balance_after_idr"] == 50_000
    assert _entries(meter) == [("topup", 50_000)]
    event = AuditEvent.objects.get(action=actions.MONEY_MOVED)
    assert (event.actor_id, event.data["memo"]) == (pdam.operator.pk, "cash at the counter")


def test_a_cash_topup_is_a_settled_cash_payment_whose_ledger_entry_is_answered(pdam):
    meter = _meter(pdam, user=pdam.customer)
    response = Api(pdam.operator).post(
        tenant_url(pdam.tenant, f"/meters/{meter.pk}/topups"),
        {"amount_idr": 30_000, "reason": "cash at the counter"},
    )
    assert response.status_code == 201
    payment = Payment.objects.get()
    assert (payment.gateway, payment.state, payment.total_minor) == ("cash", "settled", 30_000)
    assert (payment.payer_id, payment.actor_id) == (pdam.customer.pk, pdam.operator.pk)
    entry = LedgerEntry.objects.get(idempotency_key=f"payment:{payment.reference}")
    assert response.json()["id"] == entry.pk
    assert (entry.memo, entry.amount_idr) == ("cash at the counter", 30_000)


def test_a_topup_under_rp_10000_is_refused_and_changes_nothing(pdam):
    meter = _meter(pdam)
    response = Api(pdam.operator).post(
        tenant_url(pdam.tenant, f"/meters/{meter.pk}/topups"),
        {"amount_idr": 9_999, "reason": "cash"},
    )
    assert response.status_code == 422
    assert not PrepaidAccount.objects.filter(meter=meter).exists()
    assert not AuditEvent.objects.filter(action=actions.MONEY_MOVED).exists()
    assert not Payment.objects.exists()


def test_unknown_keys_are_refused(pdam):
    meter = _meter(pdam)
    response = Api(pdam.operator).post(
        tenant_url(pdam.tenant, f"/meters/{meter.pk}/topups"),
        {"amount_idr": 20_000, "reason": "cash", "kind": "adjustment"},
    )
    assert response.status_code == 422
    assert _entries(meter) == []


def test_only_a_client_admin_adjusts_a_balance(pdam):
    meter = _meter(pdam)
    url = tenant_url(pdam.tenant, f"/meters/{meter.pk}/adjustments")
    body = {"amount_idr": -7_500, "reason": "duplicate reading refunded"}
    refused = Api(pdam.operator).post(url, body)
    assert refused.status_code == 403
    assert _entries(meter) == []
    done = Api(pdam.admin).post(url, body)
    assert done.status_code == 201
    assert _entries(meter) == [("adjustment", -7_500)]


def test_a_customer_sees_only_their_own_meters(pdam):
    own = _meter(pdam, user=pdam.customer)
    someone_else = _meter(pdam)
    account_credit(meter=own, amount_idr=20_000, kind="topup", idempotency_key="k:own")
    account_credit(meter=someone_else, amount_idr=30_000, kind="topup", idempotency_key="k:x")
    api = Api(pdam.customer)
    mine = api.get(f"/api/v1/water/me/meters/{own.pk}/ledger")
    assert mine.status_code == 200
    assert [i["amount_idr"] for i in mine.json()["items"]] == [20_000]
    assert api.get(f"/api/v1/water/me/meters/{someone_else.pk}/ledger").status_code == 404
    assert api.get(f"/api/v1/water/me/meters/{someone_else.pk}/consumption").status_code == 404
    recent = api.get(f"/api/v1/water/me/meters/{own.pk}/consumption?period=monthly").json()
    # by default the last twelve months, from the first of a month; no readings yet
    assert (recent["meter_id"], recent["date_from"][-2:], recent["buckets"]) == (own.pk, "01", [])
