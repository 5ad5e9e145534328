"""My usage: buckets, totals, average, peak, the previous period, the CSV and the range rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from water.portal.customer.reports import UsageQuery, usage_query_read, usage_report_for
from water.portal.tests.customer_data import another_meter, home, usage

pytestmark = pytest.mark.django_db

PAGE = "/water/my/usage/"
MARCH = "period=daily&from=2026-03-01&to=2026-03-05"


@pytest.fixture
def bandung():
    place = home(serial="IW-BDG-0042117")
    for day, litres, charge in (
        (date(2026, 3, 1), 300, 1_500),
        (date(2026, 3, 2), 450, 2_250),
        (date(2026, 3, 4), 1_250, 6_250),
        (date(2026, 3, 5), 500, 2_500),
        # the previous five days: 2,000 litres
        (date(2026, 2, 24), 1_000, 5_000),
        (date(2026, 2, 28), 1_000, 5_000),
        (date(2026, 2, 23), 9_999, 9_999),  # outside both ranges
    ):
        usage(place.meter, day, litres, charge, readings=24)
    return place


def test_the_report_has_every_day_with_totals_average_peak_and_change(bandung):
    query = UsageQuery("daily", date(2026, 3, 1), date(2026, 3, 5))

    report = usage_report_for(meter_id=bandung.meter.pk, query=query)

    assert [
        (r.bucket.period_start.day, r.bucket.litres, r.bucket.charge_idr) for r in report.rows
    ] == [
        (1, 300, 1_500),
        (2, 450, 2_250),
        (3, 0, 0),
        (4, 1_250, 6_250),
        (5, 500, 2_500),
    ]
    assert report.total_litres == 2_500
    assert report.total_charge_idr == 12_500
    assert report.average_litres_per_day == 500
    assert report.peak is not None
    assert report.peak.bucket.period_start == date(2026, 3, 4)
    assert report.previous_litres == 2_000
    assert report.change_percent == 25


def test_weekly_buckets_start_on_monday(bandung):
    query = UsageQuery("weekly", date(2026, 3, 1), date(2026, 3, 5))

    report = usage_report_for(meter_id=bandung.meter.pk, query=query)

    assert [(r.bucket.period_start, r.bucket.litres) for r in report.rows] == [
        (date(2026, 2, 23), 300),  # Sunday 1 March only
        (date(2026, 3, 2), 2_200),
    ]


def test_the_page_shows_the_chart_data_table_and_comparison(client, bandung):
    client.force_login(bandung.user)

    response = client.get(f"{PAGE}?{MARCH}")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-total-litres="2500"' in html
    assert "2.5 m³" in html
    assert "2,500 litres · Rp 12,500" in html
    assert 'data-average-litres="500"' in html
    assert 'data-peak-litres="1250"' in html
    assert 'data-change="25"' in html
    assert "+25 %" in html
    assert "vs previous 5 days (2.0 m³)" in html
    assert '<canvas id="usage-chart"' in html
    assert '"litres": [300, 450, 0, 1250, 500]' in html
    assert 'id="usage-data"' in html
    assert html.count('<tr class="is-zero">') == 1
    assert "vendor/chart.umd.min.js" in html
    assert (
        f"/water/my/usage.csv?meter={bandung.meter.pk}&amp;period=daily&amp;from=2026-03-01&amp;to=2026-03-05"
        in html
    )


def test_the_csv_has_the_same_rows(client, bandung):
    client.force_login(bandung.user)

    response = client.get(f"/water/my/usage.csv?meter={bandung.meter.pk}&{MARCH}")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == (
        'attachment; filename="usage-IW-BDG-0042117-2026-03-01-2026-03-05.csv"'
    )
    assert response.content.decode() == (
        "period_start,litres,m3,charge_idr\r\n"
        "2026-03-01,300,0.300,1500\r\n"
        "2026-03-02,450,0.450,2250\r\n"
        "2026-03-03,0,0.000,0\r\n"
        "2026-03-04,1250,1.250,6250\r\n"
        "2026-03-05,500,0.500,2500\r\n"
    )


def test_monthly_page_and_no_previous_usage(client, bandung):
    client.force_login(bandung.user)

    html = client.get(f"{PAGE}?period=monthly&from=2026-02-01&to=2026-03-31").content.decode()

    assert '"litres": [11999, 2500]' in html
    assert "No water used in the previous 59 days." in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "daily", "from": "2025-01-01", "to": "2026-01-02"}, "choose at most 366 days"),
        (
            {"period": "monthly", "from": "2010-01-01", "to": "2026-01-01"},
            "choose at most 3660 days",
        ),
        (
            {"period": "daily", "from": "2026-03-05", "to": "2026-03-01"},
            "on or before the end date",
        ),
        ({"period": "daily", "from": "5 March"}, "YYYY-MM-DD"),
    ],
)
def test_a_bad_range_is_refused_with_a_clear_message(params, message):
    today = date(2026, 3, 20)

    query, error = usage_query_read(params, today=today)

    assert message in error
    assert query == UsageQuery(
        "daily" if params["period"] == "daily" else "monthly", query.date_from, today
    )


def test_a_bad_range_on_the_page_shows_the_message_and_the_default_range(client, bandung):
    client.force_login(bandung.user)

    response = client.get(f"{PAGE}?period=daily&from=2025-01-01&to=2026-01-02")
    csv_response = client.get("/water/my/usage.csv?period=daily&from=2025-01-01&to=2026-01-02")

    assert response.status_code == 400
    assert "choose at most 366 days" in response.content.decode()
    assert csv_response.status_code == 400


def test_the_default_range_is_the_last_30_days(client, bandung):
    query, error = usage_query_read({}, today=date(2026, 3, 20))

    assert (query, error) == (UsageQuery("daily", date(2026, 2, 19), date(2026, 3, 20)), "")
    assert query.days == 30
    assert usage_query_read({"to": "2026-03-05", "period": "weekly"}, today=date(2026, 3, 20))[
        0
    ] == (UsageQuery("weekly", date(2026, 3, 5) - timedelta(days=83), date(2026, 3, 5)))


def test_someone_elses_meter_answers_404(client, bandung):
    stranger = home("pdam-bogor", serial="IW-BGR-0000001")
    usage(stranger.meter, date(2026, 3, 1), 777, 7_770)
    client.force_login(bandung.user)

    assert client.get(f"{PAGE}?meter={stranger.meter.pk}&{MARCH}").status_code == 404
    assert client.get(f"/water/my/usage.csv?meter={stranger.meter.pk}").status_code == 404


def test_the_page_reads_a_fixed_number_of_queries(client, bandung, django_assert_num_queries):
    another_meter(bandung, serial="IW-BDG-0042118")
    client.force_login(bandung.user)
    client.get(f"{PAGE}?{MARCH}")
    with django_assert_num_queries(10):
        client.get(f"{PAGE}?period=daily&from=2025-03-06&to=2026-03-05")


def test_a_customer_without_meters_sees_the_empty_state(client):
    from core.accounts.roles import Role
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory()
    MembershipFactory(user=user, role=Role.CUSTOMER)
    client.force_login(user)

    response = client.get(PAGE)

    assert response.status_code == 200
    assert "No meter is linked to your account yet" in response.content.decode()
    assert client.get("/water/my/usage.csv").status_code == 404
