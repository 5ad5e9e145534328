"""Tariff writes: validation, overlap (409), what a tariff in force may still change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from core.audit.models import AuditEvent
from core.errors import NotFound
from tests.factories import TenantFactory, UserFactory
from water.errors import Conflict, InvalidTransition, ValidationFailed
from water.tariffs.models import Tariff, TariffBlock
from water.tariffs.pricing import PriceBlock
from water.tariffs.selectors import tariff_for, tariff_for_month
from water.tariffs.services import (
    TARIFF_CREATED,
    TariffData,
    tariff_create,
    tariff_delete,
    tariff_update,
)
from water.tariffs.tests.factories import tariff_with_blocks

pytestmark = pytest.mark.django_db

BLOCKS = [PriceBlock(0, 10_000, 5_000), PriceBlock(10_000, None, 6_000)]
FUTURE = timezone.now().date() + timedelta(days=400)  # far from any timezone edge


def _data(**changes: object) -> TariffData:
    fields: dict[str, object] = {
        "name": "Rumah Tangga A",
        "customer_class": "residential",
        "effective_from": date(2026, 1, 1),
        "effective_to": None,
        "fixed_monthly_charge_idr": 7_500,
        "minimum_charge_idr": 20_000,
        "blocks": BLOCKS,
        **changes,
    }
    return TariffData(**fields)  # type: ignore[arg-type]


def test_create_stores_the_tariff_and_its_blocks_and_audits_it():
    tenant, admin = TenantFactory(), UserFactory()
    tariff = tariff_create(actor=admin, tenant_id=tenant.pk, data=_data())
    blocks = list(
        TariffBlock.objects.filter(tariff=tariff).values_list(
            "from_litres", "to_litres", "price_per_m3_idr"
        )
    )
    assert blocks == [(0, 10_000, 5_000), (10_000, None, 6_000)]
    event = AuditEvent.objects.get(action=TARIFF_CREATED)
    assert (event.actor_id, event.data["blocks"]) == (
        admin.pk,
        [[0, 10000, 5000], [10000, None, 6000]],
    )


@pytest.mark.parametrize(
    "blocks",
    [
        [PriceBlock(1, None, 5_000)],
        [PriceBlock(0, 10, 5_000), PriceBlock(11, None, 5_000)],
        [PriceBlock(0, None, 5_000), PriceBlock(10, None, 5_000)],
        [PriceBlock(0, None, 0)],
        [],
    ],
)
def test_invalid_blocks_are_refused_and_nothing_is_stored(blocks):
    tenant = TenantFactory()
    with pytest.raises(ValidationFailed):
        tariff_create(actor=UserFactory(), tenant_id=tenant.pk, data=_data(blocks=blocks))
    assert not Tariff.objects.exists()


def test_an_overlapping_tariff_of_the_same_class_is_a_conflict():
    tenant = TenantFactory()
    tariff_create(
        actor=UserFactory(),
        tenant_id=tenant.pk,
        data=_data(effective_from=date(2026, 1, 1), effective_to=date(2026, 6, 30)),
    )
    with pytest.raises(Conflict):
        tariff_create(
            actor=UserFactory(), tenant_id=tenant.pk, data=_data(effective_from=date(2026, 6, 30))
        )
    # the next day, another class, or another tenant is fine
    tariff_create(
        actor=UserFactory(), tenant_id=tenant.pk, data=_data(effective_from=date(2026, 7, 1))
    )
    tariff_create(actor=UserFactory(), tenant_id=tenant.pk, data=_data(customer_class="commercial"))
    tariff_create(actor=UserFactory(), tenant_id=TenantFactory().pk, data=_data())
    assert Tariff.objects.count() == 4


def test_tariff_for_picks_the_tariff_in_force():
    tenant = TenantFactory()
    old = tariff_with_blocks(
        tenant=tenant, effective_from=date(2025, 1, 1), effective_to=date(2026, 3, 14)
    )
    new = tariff_with_blocks(tenant=tenant, effective_from=date(2026, 3, 15))
    assert tariff_for(tenant.pk, "residential", date(2026, 3, 14)) == old
    assert tariff_for(tenant.pk, "residential", date(2026, 3, 15)) == new
    assert tariff_for(tenant.pk, "residential", date(2024, 12, 31)) is None
    assert tariff_for(tenant.pk, "commercial", date(2026, 3, 15)) is None
    # a month is priced by the tariff in force on its first day
    assert tariff_for_month(tenant.pk, "residential", date(2026, 3, 1)) == old
    assert tariff_for_month(tenant.pk, "residential", date(2026, 4, 1)) == new


def test_a_month_without_a_tariff_on_its_first_day_uses_the_one_starting_in_it():
    tenant = TenantFactory()
    mid = tariff_with_blocks(tenant=tenant, effective_from=date(2026, 3, 10))
    assert tariff_for_month(tenant.pk, "residential", date(2026, 3, 1)) == mid
    assert tariff_for_month(tenant.pk, "residential", date(2026, 2, 1)) is None


def test_a_tariff_in_force_keeps_its_prices_but_may_be_ended():
    tenant = TenantFactory()
    tariff = tariff_with_blocks(tenant=tenant, effective_from=date(2020, 1, 1))
    with pytest.raises(InvalidTransition):
        tariff_update(
            actor=UserFactory(),
            tenant_id=tenant.pk,
            tariff_id=tariff.pk,
            changes={"blocks": [PriceBlock(0, None, 1)]},
        )
    assert list(tariff.blocks.values_list("price_per_m3_idr", flat=True)) == [5_000, 6_000, 7_000]
    with pytest.raises(ValidationFailed):
        tariff_update(
            actor=UserFactory(),
            tenant_id=tenant.pk,
            tariff_id=tariff.pk,
            changes={"effective_to": date(2021, 1, 1)},
        )
    ended = tariff_update(
        actor=UserFactory(),
        tenant_id=tenant.pk,
        tariff_id=tariff.pk,
        changes={"name": "Lama", "effective_to": FUTURE},
    )
    assert (ended.name, ended.effective_to) == ("Lama", FUTURE)


def test_a_future_tariff_may_be_rewritten_or_deleted():
    tenant = TenantFactory()
    tariff = tariff_with_blocks(tenant=tenant, effective_from=FUTURE)
    tariff_update(
        actor=UserFactory(),
        tenant_id=tenant.pk,
        tariff_id=tariff.pk,
        changes={"blocks": [PriceBlock(0, None, 4_000)], "minimum_charge_idr": 15_000},
    )
    tariff.refresh_from_db()
    assert tariff.minimum_charge_idr == 15_000
    assert list(tariff.blocks.values_list("price_per_m3_idr", flat=True)) == [4_000]
    tariff_delete(actor=UserFactory(), tenant_id=tenant.pk, tariff_id=tariff.pk)
    assert not Tariff.objects.filter(pk=tariff.pk).exists()


def test_a_tariff_in_force_cannot_be_deleted():
    tenant = TenantFactory()
    tariff = tariff_with_blocks(tenant=tenant, effective_from=date(2020, 1, 1))
    with pytest.raises(InvalidTransition):
        tariff_delete(actor=UserFactory(), tenant_id=tenant.pk, tariff_id=tariff.pk)
    assert Tariff.objects.filter(pk=tariff.pk).exists()


def test_another_tenants_tariff_is_not_found():
    tariff = tariff_with_blocks(tenant=TenantFactory(), effective_from=FUTURE)
    with pytest.raises(NotFound):
        tariff_delete(actor=UserFactory(), tenant_id=TenantFactory().pk, tariff_id=tariff.pk)
    assert Tariff.objects.filter(pk=tariff.pk).exists()
