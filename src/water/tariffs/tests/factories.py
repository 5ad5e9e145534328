"""Factories of tariffs; `tariff_with_blocks` builds the worked example of the issue."""

from __future__ import annotations

from datetime import date

import factory

from tests.factories import TenantFactory
from water.registry.models import CustomerClass
from water.tariffs.models import Tariff, TariffBlock

# 0-10 m³ at Rp 5,000, 10-20 m³ at Rp 6,000, above 20 m³ at Rp 7,000.
EXAMPLE_BLOCKS: tuple[tuple[int, int | None, int], ...] = (
    (0, 10_000, 5_000),
    (10_000, 20_000, 6_000),
    (20_000, None, 7_000),
)


class TariffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tariff

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Tarif Rumah Tangga {n}")
    customer_class = CustomerClass.RESIDENTIAL
    effective_from = date(2020, 1, 1)


def tariff_with_blocks(
    blocks: tuple[tuple[int, int | None, int], ...] = EXAMPLE_BLOCKS, **fields: object
) -> Tariff:
    """A saved tariff with the given (from, to, price per m³) blocks."""
    tariff = TariffFactory(**fields)
    TariffBlock.objects.bulk_create(
        TariffBlock(tariff=tariff, from_litres=f, to_litres=t, price_per_m3_idr=p)
        for f, t, p in blocks
    )
    return tariff
