"""The staff dashboard: exact figures for one tenant, a fixed number of queries, access."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from core.payments.models import Payment, State
from water.billing.models import DailyUsage, PrepaidAccount
from water.meters.models import MeterStatus, ValveState
from water.portal.client.ops_common import ops_workspace_get
from water.portal.client.ops_dashboard import ops_dashboard_get
from water.tests.factories import AlertFactory, CustomerFactory, MeterFactory
from water.tests.helpers import authority

pytestmark = pytest.mark.django_db

# 10:00 in Jakarta (UTC+7) on 15 March 2026.
NOW = datetime(2026, 3, 15, 3, 0, tzinfo=UTC)
TODAY = date(2026, 3, 15)
_refs = itertools.count(1)


def _payment(tenant, amount: int, settled_at: datetime | None, *, purpose="water.topup"):
    return Payment.objects.create(
        reference=f"IW-T-{next(_refs):06d}",
        tenant=tenant,
        purpose=purpose,
        purpose_ref="1",
        description="Water credit",
        currency="IDR",
        amount_minor=amount,
        fee_minor=350,
        total_minor=amount + 350,
        gateway="sandbox",
        method="qris",
        state=State.SETTLED if settled_at else State.PENDING,
        settled_at=settled_at,
    )


def _meter(tenant, *, seen: timedelta | None, balance: int | None, **fields):
    meter = MeterFactory(tenant=tenant, last_seen_at=None if seen is None else NOW - seen, **fields)
    if balance is not None:
        PrepaidAccount.objects.create(tenant=tenant, meter=meter, balance_idr=balance)
    return meter


def _usage(meter, day: date, litres: int, charge: int) -> None:
    DailyUsage.objects.create(
        tenant=meter.tenant, meter=meter, day=day, litres=litres, charge_idr=charge, readings=4
    )


def _fleet(tenant):
    """Five meters: 2 online (one closed and low), 1 offline, 1 never seen, 1 retired."""
    a = _meter(tenant, seen=timedelta(minutes=5), balance=50_000, valve_state=ValveState.OPEN)
    b = _meter(tenant, seen=timedelta(minutes=29), balance=9_999, valve_state=ValveState.CLOSED)
    c = _meter(tenant, seen=timedelta(hours=3), balance=-2_000, valve_state=ValveState.CLOSED)
    d = _meter(tenant, seen=None, balance=None)
    e = _meter(
        tenant,
        seen=timedelta(days=9),
        balance=0,
        status=MeterStatus.RETIRED,
        valve_state=ValveState.CLOSED,
    )
    return a, b, c, d, e


def _world():
    home, other = authority("tirta-a"), authority("tirta-b")
    for tenant in (home.tenant, other.tenant):
        CustomerFactory.create_batch(3, tenant=tenant)
        a, b, c, _d, e = _fleet(tenant)
        # 09:00 today, 23:30 yesterday (Jakarta), 1 March 00:10 and 28 February 23:00.
        _payment(tenant, 50_000, datetime(2026, 3, 15, 2, 0, tzinfo=UTC))
        _payment(tenant, 25_000, datetime(2026, 3, 14, 16, 30, tzinfo=UTC))
        _payment(tenant, 10_000, datetime(2026, 2, 28, 17, 10, tzinfo=UTC))
        _payment(tenant, 99_000, datetime(2026, 2, 28, 16, 0, tzinfo=UTC))
        _payment(tenant, 77_000, None)
        _payment(tenant, 66_000, datetime(2026, 3, 15, 1, 0, tzinfo=UTC), purpose="roadside.job")
        _usage(a, TODAY, 1_250, 6_250)
        _usage(b, TODAY, 500, 2_500)
        _usage(a, date(2026, 3, 1), 3_000, 15_000)
        _usage(c, date(2026, 2, 28), 8_000, 40_000)
        _usage(e, date(2026, 2, 14), 4_000, 20_000)
        AlertFactory(meter=a)
        AlertFactory(meter=c, kind="offline", severity="critical", message="No report")
    return home, other


def test_dashboard_figures_count_only_the_tenant_in_its_local_day_and_month():
    home, _other = _world()

    board = ops_dashboard_get(workspace=ops_workspace_get(tenant_id=home.tenant.pk), now=NOW)

    assert (board.today, board.month_start) == (TODAY, date(2026, 3, 1))
    assert board.customers == 3
    fleet = board.fleet
    assert (fleet.meters, fleet.online, fleet.offline, fleet.never_seen) == (4, 2, 1, 1)
    assert (fleet.valves_closed, fleet.low_credit) == (2, 2)
    assert (board.credit_sold_today_idr, board.credit_sold_month_idr) == (50_000, 85_000)
    assert (board.usage_today.litres, board.usage_today.charge_idr) == (1_750, 8_750)
    assert (board.usage_month.litres, board.usage_month.charge_idr) == (4_750, 23_750)
    assert len(board.daily) == 30
    assert (board.daily[0].day, board.daily[-1].day) == (date(2026, 2, 14), TODAY)
    assert [(d.day, d.litres) for d in board.daily if d.litres] == [
        (date(2026, 2, 14), 4_000),
        (date(2026, 2, 28), 8_000),
        (date(2026, 3, 1), 3_000),
        (TODAY, 1_750),
    ]
    assert [a.kind for a in board.recent_alerts] == ["offline", "low_battery"]
    assert {a.tenant_id for a in board.recent_alerts} == {home.tenant.pk}


def _staff_client(client, user, mfa_enrol):
    mfa_enrol(user)
    client.force_login(user)
    return client


def _url(tenant) -> str:
    return reverse("water_portal:client_dashboard", kwargs={"tenant_id": tenant.pk})


def test_the_dashboard_page_shows_the_figures_and_the_chart_data(client, mfa_enrol):
    home, _other = _world()
    today = ops_workspace_get(tenant_id=home.tenant.pk).today()
    _usage(MeterFactory(tenant=home.tenant), today, 2_340, 11_700)
    _staff_client(client, home.operator, mfa_enrol)

    response = client.get(_url(home.tenant))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="customers">3<' in html
    assert 'id="usage-chart-data"' in html
    assert "vendor/chart.umd.min.js" in html
    assert 'hx-trigger="live:water.balance from:body, live:water.valve from:body, ' in html
    assert response.context["board"].fleet.meters == 5
    assert response.context["chart"]["litres"][-1] == 2_340
    assert 'data-figure="today_m3">2.34<' in html
    # without scripts the table is the chart: it is rendered open
    assert '<details class="ops-table-toggle" open>' in html


def test_without_usage_the_chart_gives_way_to_a_helpful_note(client, mfa_enrol):
    home = authority("tirta-empty")
    _staff_client(client, home.operator, mfa_enrol)

    response = client.get(_url(home.tenant))

    assert response.status_code == 200
    assert b"No water billed in the last 30 days." in response.content
    assert b'id="usage-chart-data"' not in response.content
    assert b"No alerts yet." in response.content


def test_the_figures_fragment_answers_htmx_alone(client, mfa_enrol):
    home, _other = _world()
    _staff_client(client, home.admin, mfa_enrol)

    response = client.get(_url(home.tenant), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "water_portal/client/dashboard_figures.html"
    assert b"portal-tabs" not in response.content


def _queries_for(client, tenant, django_assert_num_queries, expected: int) -> None:
    with django_assert_num_queries(expected):
        assert client.get(_url(tenant)).status_code == 200


@pytest.mark.parametrize("meters", [3, 30])
def test_the_dashboard_costs_the_same_queries_for_3_and_30_meters(
    meters, client, mfa_enrol, django_assert_num_queries
):
    home = authority("tirta-q")
    today = ops_workspace_get(tenant_id=home.tenant.pk).today()
    for n in range(meters):
        meter = _meter(home.tenant, seen=timedelta(minutes=n), balance=n * 1_000)
        _usage(meter, today, 100, 500)
        AlertFactory(meter=meter)
    _staff_client(client, home.operator, mfa_enrol)

    # 12 for the frame (session, user, session policy, MFA, access, shell roles, header,
    # notification bell, session save) and 8 for the page: workspace, credit sold, customers,
    # fleet, usage today, usage this month, usage per day, recent alerts.
    _queries_for(client, home.tenant, django_assert_num_queries, 20)


def test_a_customer_is_refused_and_another_tenants_operator_sees_nothing(client, mfa_enrol):
    home, other = _world()

    client.force_login(home.customer)
    assert client.get(_url(home.tenant)).status_code == 403
    _staff_client(client, other.operator, mfa_enrol)
    assert client.get(_url(home.tenant)).status_code == 404
