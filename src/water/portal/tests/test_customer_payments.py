"""My payments: newest first, filters, links to the payment and its receipt, and only mine."""

from __future__ import annotations

import pytest

from core.payments.models import Payment, State
from water.portal.tests.customer_data import another_meter, home

pytestmark = pytest.mark.django_db

PAGE = "/water/my/payments/"


def _payment(place, meter, reference: str, state: str, total: int, method: str = "qris") -> Payment:
    return Payment.objects.create(
        reference=reference,
        tenant=place.tenant,
        payer=place.user,
        purpose="water.topup",
        purpose_ref=str(meter.pk),
        description="Water credit",
        currency="IDR",
        amount_minor=total - 350,
        fee_minor=350,
        total_minor=total,
        gateway="sandbox",
        method=method,
        state=state,
    )


@pytest.fixture
def bandung():
    place = home(serial="IW-BDG-0042117")
    second = another_meter(place, serial="IW-BDG-0042118")
    _payment(place, place.meter, "IW-261101-AAAAAA", State.SETTLED, 50_350)
    _payment(place, second, "IW-261102-BBBBBB", State.EXPIRED, 25_350, method="va_bca")
    _payment(place, place.meter, "IW-261103-CCCCCC", State.PENDING, 100_700)
    return place


def test_my_payments_are_listed_newest_first_with_links(client, bandung):
    client.force_login(bandung.user)

    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "3 payments" in html
    positions = [
        html.index(ref) for ref in ("IW-261103-CCCCCC", "IW-261102-BBBBBB", "IW-261101-AAAAAA")
    ]
    assert positions == sorted(positions)
    assert "Rp 50,350" in html
    assert "BCA virtual account" in html
    assert 'data-state="settled"' in html
    assert 'href="/payments/IW-261101-AAAAAA/receipt.pdf"' in html
    assert 'href="/payments/IW-261103-CCCCCC/"' in html
    assert "/payments/IW-261103-CCCCCC/receipt.pdf" not in html
    assert "/payments/IW-261102-BBBBBB/receipt.pdf" not in html
    assert "IW-BDG-0042118" in html


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("state=paid", ["IW-261101-AAAAAA"]),
        ("state=open", ["IW-261103-CCCCCC"]),
        ("state=unpaid", ["IW-261102-BBBBBB"]),
        ("q=bbbb", ["IW-261102-BBBBBB"]),
    ],
)
def test_filters_narrow_the_list(client, bandung, query, shown):
    client.force_login(bandung.user)

    html = client.get(f"{PAGE}?{query}").content.decode()

    listed = [
        ref for ref in ("IW-261101-AAAAAA", "IW-261102-BBBBBB", "IW-261103-CCCCCC") if ref in html
    ]
    assert listed == shown


def test_the_meter_filter(client, bandung):
    client.force_login(bandung.user)

    html = client.get(f"{PAGE}?meter={bandung.meter.pk}").content.decode()

    assert "2 payments" in html
    assert "IW-261102-BBBBBB" not in html


def test_pages_of_25_keep_the_filters(client, bandung, django_assert_num_queries):
    for n in range(30):
        _payment(bandung, bandung.meter, f"IW-2612{n:02d}-DDDDDD", State.SETTLED, 10_350)
    client.force_login(bandung.user)
    client.get(PAGE)

    with django_assert_num_queries(10):
        html = client.get(f"{PAGE}?state=paid").content.decode()

    assert "31 payments" in html
    assert html.count("<tr data-reference=") == 25
    assert 'href="?state=paid&amp;page=2"' in html
    second = client.get(f"{PAGE}?state=paid&page=2").content.decode()
    assert second.count("<tr data-reference=") == 6


def test_someone_elses_payments_never_appear(client, bandung):
    stranger = home("pdam-bogor", serial="IW-BGR-0000001")
    _payment(stranger, stranger.meter, "IW-261104-ZZZZZZ", State.SETTLED, 75_350)
    client.force_login(bandung.user)

    html = client.get(PAGE).content.decode()

    assert "IW-261104-ZZZZZZ" not in html
    assert "3 payments" in html


def test_no_payments_yet_says_how_to_start(client):
    place = home("pdam-garut")
    client.force_login(place.user)

    html = client.get(PAGE).content.decode()

    assert "No payments yet" in html
    assert 'href="/water/topup/"' in html
