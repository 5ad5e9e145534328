"""The customer dashboard: my meters' money, water, days left, tariff block and who sees what."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.accounts.roles import Role
from tests.factories import MembershipFactory, UserFactory
from water.meters.models import ValveState
from water.portal.customer.selectors import MeterOverview, customer_overview_for
from water.portal.tests.customer_data import (
    account,
    another_meter,
    home,
    tariff,
    today_in_jakarta,
    usage,
    usage_each_day,
)

pytestmark = pytest.mark.django_db

PAGE = "/water/my/"


@pytest.fixture
def bandung():
    place = home(serial="IW-BDG-0042117", valve_state=ValveState.OPEN)
    tariff(place.tenant)
    # 12.5 m³ this month: block 2; 14 days at Rp 2,100 a day; Rp 8,400 lasts 4 days.
    account(place.meter, balance_idr=8_400, month_litres=12_500, month_idr=68_750)
    usage_each_day(place.meter, days=14, litres=420, charge_idr=2_100)
    usage(place.meter, today_in_jakarta() - timedelta(days=14), 99_000, 500_000)  # too old
    return place


def test_the_dashboard_shows_balance_days_left_month_and_block(client, bandung):
    client.force_login(bandung.user)

    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Meter IW-BDG-0042117" in html
    assert 'data-balance="8400"' in html
    assert "Rp 8,400" in html
    assert 'data-days-left="4"' in html
    assert "About 4 days" in html
    assert 'data-month-litres="12500"' in html
    assert "12.5 m³" in html
    assert "12,500 litres" in html
    assert 'data-month-charge="68750"' in html
    assert "Rp 68,750" in html
    assert 'data-block="2"' in html
    assert "Block 2 · Rp 7,500/m³" in html
    assert "10.0–20.0 m³ this month" in html
    assert 'data-valve="open"' in html
    # Rp 8,400 is below the authority's Rp 10,000 threshold
    assert "Your balance is below Rp 10,000." in html
    assert f'href="/water/topup/?meter={bandung.meter.pk}"' in html
    assert (
        'hx-trigger="live:water.balance from:body, live:water.valve from:body, '
        'live:resync from:body"' in html
    )
    assert 'rel="manifest" href="/water/manifest.webmanifest"' in html
    assert "data-push-optin" in html


def test_htmx_gets_only_the_cards(client, bandung):
    client.force_login(bandung.user)

    response = client.get(PAGE, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<div class="my-cards">')
    assert 'data-balance="8400"' in html
    assert "<html" not in html


def test_in_indonesian_money_and_volumes_read_naturally(client, bandung):
    client.force_login(bandung.user)

    html = client.get(PAGE, headers={"accept-language": "id"}).content.decode()

    assert "Rp 8.400" in html
    assert "12,5 m³" in html


def test_a_healthy_balance_shows_no_banner(client, bandung):
    bandung.meter.account.balance_idr = 250_000
    bandung.meter.account.save(update_fields=["balance_idr"])
    client.force_login(bandung.user)

    html = client.get(PAGE).content.decode()

    assert "Your balance is below" not in html
    assert "About 119 days" in html  # 250,000 × 14 ÷ 29,400


def test_another_customers_meter_never_appears(client, bandung):
    stranger = home("pdam-bogor", serial="IW-BGR-0000001")
    account(stranger.meter, balance_idr=777_000)
    neighbour_user = UserFactory()
    MembershipFactory(user=neighbour_user, tenant=bandung.tenant, role=Role.CUSTOMER)
    client.force_login(bandung.user)

    html = client.get(PAGE).content.decode()

    assert "IW-BGR-0000001" not in html
    assert "777,000" not in html
    assert [c.meter.serial for c in customer_overview_for(actor=stranger.user)] == [
        "IW-BGR-0000001"
    ]
    assert customer_overview_for(actor=neighbour_user) == []


def test_the_dashboard_reads_the_same_number_of_queries_for_one_or_three_meters(
    client, bandung, django_assert_num_queries
):
    client.force_login(bandung.user)
    client.get(PAGE)  # warm the session and content-type caches
    with django_assert_num_queries(11):
        client.get(PAGE)
    for serial in ("IW-BDG-0042118", "IW-BDG-0042119"):
        meter = another_meter(bandung, serial=serial)
        account(meter, balance_idr=1_000)
    with django_assert_num_queries(11):
        html = client.get(PAGE).content.decode()
    assert html.count('class="card my-meter') == 3


def _overview(balance: int, recent: int) -> MeterOverview:
    return MeterOverview(
        meter=None,  # type: ignore[arg-type]
        balance_idr=balance,
        low_balance_threshold_idr=10_000,
        month_litres=0,
        month_charge_idr=0,
        recent_charge_idr=recent,
        block=None,
        timezone="Asia/Jakarta",
    )


@pytest.mark.parametrize(
    ("balance", "recent", "days"),
    [
        (8_400, 29_400, 4),  # 2,100 a day
        (2_000, 29_400, 0),  # less than a day
        (50_000, 0, None),  # no usage: unknown
        (0, 29_400, 0),  # nothing left
        (-3_500, 0, 0),  # in debt
    ],
)
def test_days_left_is_the_balance_over_the_average_daily_charge(balance, recent, days):
    assert _overview(balance, recent).days_left == days


def test_less_than_a_day_no_usage_and_debt_read_clearly(client, bandung):
    client.force_login(bandung.user)
    second = another_meter(bandung, serial="IW-BDG-0042118")
    account(second, balance_idr=1_000)
    usage_each_day(second, days=1, litres=600, charge_idr=28_000)
    third = another_meter(bandung, serial="IW-BDG-0042119")
    account(third, balance_idr=40_000)
    fourth = another_meter(bandung, serial="IW-BDG-0042120", valve_state=ValveState.CLOSED)
    account(fourth, balance_idr=-3_500)

    html = client.get(PAGE).content.decode()

    assert "Less than a day" in html
    assert "No water used in the last 14 days." in html
    assert "No credit left" in html
    assert "-Rp 3,500" in html or "Rp -3,500" in html
    assert "Your credit is used up." in html


def test_a_customer_without_meters_is_told_how_to_get_one(client):
    user = UserFactory(email="baru@example.id")
    MembershipFactory(user=user, role=Role.CUSTOMER)
    client.force_login(user)

    response = client.get(PAGE)

    assert response.status_code == 200
    assert "No meter is linked to your account yet" in response.content.decode()


def test_staff_are_refused(client, bandung, mfa_enrol):
    from water.tests.helpers import authority

    staff = authority("pdam-cirebon").operator
    mfa_enrol(staff)
    client.force_login(staff)

    assert client.get(PAGE).status_code == 403
