"""Staff pages of tariffs: list, create and amend (administrators), delete, calculator."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from water.tariffs.models import Tariff, TariffBlock
from water.tariffs.pricing import PriceBlock
from water.tariffs.services import TariffData, tariff_create
from water.tests.helpers import authority

pytestmark = pytest.mark.django_db

THREE_BLOCKS = [
    PriceBlock(0, 10_000, 4_500),
    PriceBlock(10_000, 20_000, 6_000),
    PriceBlock(20_000, None, 9_000),
]
# Sign-in, access check, frame and header, plus one count, one page of rows and their blocks.
LIST_QUERIES = 13


def _today() -> date:
    return timezone.localdate(timezone=timezone.get_fixed_timezone(7 * 60))


@pytest.fixture
def pdam(mfa_enrol):
    world = authority("tirta")
    mfa_enrol(world.admin)
    mfa_enrol(world.operator)
    return world


def _tariff(
    world,
    *,
    name="Rumah Tangga 2026",
    customer_class="residential",
    start=None,
    end=None,
    fixed=10_000,
    minimum=0,
):
    data = TariffData(
        name=name,
        customer_class=customer_class,
        effective_from=start or date(2026, 1, 1),
        effective_to=end,
        fixed_monthly_charge_idr=fixed,
        minimum_charge_idr=minimum,
        blocks=THREE_BLOCKS,
    )
    return tariff_create(actor=world.admin, tenant_id=world.tenant.pk, data=data)


def _url(world, suffix: str = "") -> str:
    return f"/water/t/{world.tenant.pk}/tariffs/{suffix}"


def _post_data(blocks, **overrides):
    data = {
        "name": "Niaga 2027",
        "customer_class": "commercial",
        "effective_from": "2027-01-01",
        "effective_to": "",
        "fixed_monthly_charge_idr": "15000",
        "minimum_charge_idr": "50000",
        "blocks-TOTAL_FORMS": str(len(blocks) + 1),
        "blocks-INITIAL_FORMS": "0",
        "blocks-MIN_NUM_FORMS": "0",
        "blocks-MAX_NUM_FORMS": "20",
    }
    for index, (start, end, price) in enumerate([*blocks, ("", "", "")]):
        data[f"blocks-{index}-from_litres"] = str(start)
        data[f"blocks-{index}-to_litres"] = "" if end is None else str(end)
        data[f"blocks-{index}-price_per_m3_idr"] = str(price)
    data.update(overrides)
    return data


def test_list_filters_by_class_and_period_with_a_fixed_number_of_queries(
    client, pdam, django_assert_num_queries
):
    ended = _tariff(pdam, name="Old", start=date(2025, 1, 1), end=date(2025, 12, 31))
    current = _tariff(pdam, name="Now", start=date(2026, 1, 1))
    upcoming = _tariff(
        pdam, name="Soon", customer_class="social", start=_today() + timedelta(days=40)
    )
    client.force_login(pdam.operator)
    client.get(_url(pdam))

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(_url(pdam))

    assert [(t.name, state) for t, state, _ in response.context["rows"]] == [
        ("Now", "in_force"),
        ("Old", "ended"),
        ("Soon", "upcoming"),
    ]

    def names(**query):
        return [t.pk for t, _, _ in client.get(_url(pdam), query).context["rows"]]

    assert names(state="in_force") == [current.pk]
    assert names(state="upcoming") == [upcoming.pk]
    assert names(state="ended") == [ended.pk]
    assert names(**{"class": "social"}) == [upcoming.pk]


def test_admin_creates_a_three_block_tariff(client, pdam):
    client.force_login(pdam.admin)
    blocks = [(0, 10_000, 4_500), (10_000, 20_000, 6_000), (20_000, None, 9_000)]

    response = client.post(_url(pdam, "new/"), _post_data(blocks))

    tariff = Tariff.objects.get()
    assert response.status_code == 303
    assert response["Location"] == _url(pdam, f"{tariff.pk}/?saved=created")
    assert (tariff.name, tariff.customer_class, tariff.minimum_charge_idr) == (
        "Niaga 2027",
        "commercial",
        50_000,
    )
    assert list(tariff.blocks.values_list("from_litres", "to_litres", "price_per_m3_idr")) == [
        (0, 10_000, 4_500),
        (10_000, 20_000, 6_000),
        (20_000, None, 9_000),
    ]


def test_blocks_with_a_gap_are_refused_with_the_reason_and_nothing_is_stored(client, pdam):
    client.force_login(pdam.admin)
    blocks = [(0, 10_000, 4_500), (12_000, None, 6_000)]

    response = client.post(_url(pdam, "new/"), _post_data(blocks))

    assert response.status_code == 422
    assert response.context["errors"] == ["Block 2: it must start where the previous block ends."]
    assert Tariff.objects.count() == 0
    assert TariffBlock.objects.count() == 0


def test_overlapping_dates_are_refused(client, pdam):
    _tariff(pdam, customer_class="commercial", start=date(2026, 1, 1))
    client.force_login(pdam.admin)

    response = client.post(_url(pdam, "new/"), _post_data([(0, None, 5_000)]))

    assert response.status_code == 422
    assert response.context["errors"][0].startswith("The dates overlap tariff")
    assert Tariff.objects.count() == 1


def test_add_a_block_shows_one_more_row_and_stores_nothing(client, pdam):
    client.force_login(pdam.admin)
    data = _post_data([(0, None, 5_000)], add_block="1")

    response = client.post(_url(pdam, "new/"), data)

    assert response.status_code == 200
    assert len(response.context["blocks"].forms) == 3
    assert Tariff.objects.count() == 0


def test_operator_cannot_create_a_tariff(client, pdam):
    client.force_login(pdam.operator)

    page = client.get(_url(pdam, "new/"))
    post = client.post(_url(pdam, "new/"), _post_data([(0, None, 5_000)]))

    assert (page.status_code, post.status_code) == (403, 403)
    assert Tariff.objects.count() == 0


def test_operator_sees_a_tariff_with_its_blocks_but_no_edit(client, pdam):
    tariff = _tariff(pdam)
    client.force_login(pdam.operator)

    response = client.get(_url(pdam, f"{tariff.pk}/"))

    body = response.content.decode()
    assert response.status_code == 200
    assert [b["price_per_m3_idr"] for b in response.context["blocks"]] == [4_500, 6_000, 9_000]
    assert f"/tariffs/{tariff.pk}/edit/" not in body
    assert client.post(_url(pdam, f"{tariff.pk}/edit/"), {"name": "X"}).status_code == 403
    tariff.refresh_from_db()
    assert tariff.name == "Rumah Tangga 2026"


def test_a_tariff_in_force_may_only_be_renamed_or_ended(client, pdam):
    tariff = _tariff(pdam, start=date(2026, 1, 1))
    client.force_login(pdam.admin)
    url = _url(pdam, f"{tariff.pk}/edit/")

    form = client.get(url).context["form"]
    past = client.post(url, {"name": "Renamed", "effective_to": "2026-01-02"})
    tariff.refresh_from_db()
    assert sorted(form.fields) == ["effective_to", "name"]
    assert past.status_code == 422
    assert past.context["form"].errors["effective_to"] == [
        "A tariff in force can only end today or later."
    ]
    assert (tariff.name, tariff.effective_to) == ("Rumah Tangga 2026", None)

    end = _today() + timedelta(days=30)
    done = client.post(url, {"name": "Renamed", "effective_to": end.isoformat()})
    tariff.refresh_from_db()
    assert done.status_code == 303
    assert (tariff.name, tariff.effective_to) == ("Renamed", end)


def test_an_upcoming_tariff_is_edited_whole(client, pdam):
    start = _today() + timedelta(days=60)
    tariff = _tariff(pdam, customer_class="commercial", start=start)
    client.force_login(pdam.admin)

    response = client.post(
        _url(pdam, f"{tariff.pk}/edit/"),
        _post_data([(0, 5_000, 3_000), (5_000, None, 7_000)], effective_from=start.isoformat()),
    )

    tariff.refresh_from_db()
    assert response.status_code == 303
    assert list(tariff.blocks.values_list("from_litres", "to_litres", "price_per_m3_idr")) == [
        (0, 5_000, 3_000),
        (5_000, None, 7_000),
    ]


def test_only_an_upcoming_tariff_can_be_deleted(client, pdam):
    current = _tariff(pdam, start=date(2026, 1, 1))
    upcoming = _tariff(pdam, customer_class="social", start=_today() + timedelta(days=10))
    client.force_login(pdam.admin)

    refused = client.post(_url(pdam, f"{current.pk}/delete/"))
    deleted = client.post(_url(pdam, f"{upcoming.pk}/delete/"))

    assert (refused.status_code, deleted.status_code) == (409, 303)
    assert list(Tariff.objects.values_list("pk", flat=True)) == [current.pk]


def test_calculator_prices_a_month_block_by_block(client, pdam):
    _tariff(pdam, start=date(2026, 1, 1), fixed=10_000)
    client.force_login(pdam.operator)

    response = client.get(
        _url(pdam, "calculator/"),
        {"litres": "25555", "customer_class": "residential"},
        headers={"HX-Request": "true"},
    )

    quote = response.context["quote"]
    assert response.status_code == 200
    assert [p["amount_idr"] for p in quote["parts"]] == [45_000, 60_000, 49_995]
    assert (quote["consumption_idr"], quote["total_idr"]) == (154_995, 164_995)
    body = response.content.decode()
    assert "<html" not in body
    assert 'data-quote="total">Rp 164,995<' in body


def test_calculator_adds_the_minimum_charge_and_says_when_no_tariff_applies(client, pdam):
    tariff = _tariff(pdam, start=date(2026, 1, 1), fixed=0, minimum=20_000)
    client.force_login(pdam.operator)

    low = client.get(_url(pdam, "calculator/"), {"litres": "1000", "tariff": str(tariff.pk)})
    none = client.get(_url(pdam, "calculator/"), {"litres": "1000", "customer_class": "industrial"})

    assert (low.context["quote"]["minimum_topup_idr"], low.context["quote"]["total_idr"]) == (
        15_500,
        20_000,
    )
    assert none.context["quote"] is None
    assert "No tariff of this class is in force today" in none.content.decode()


def test_another_tenants_tariff_answers_404(client, pdam):
    other = authority("lain")
    foreign = _tariff(other)
    client.force_login(pdam.admin)

    assert client.get(_url(pdam, f"{foreign.pk}/")).status_code == 404
    assert client.post(_url(pdam, f"{foreign.pk}/delete/")).status_code == 404
    assert (
        client.get(
            _url(pdam, "calculator/"),
            {"litres": "1", "customer_class": "residential", "tariff": str(foreign.pk)},
        ).status_code
        == 404
    )
    assert Tariff.objects.filter(pk=foreign.pk).exists()
