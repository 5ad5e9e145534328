"""Tariffs API: client admins write block tariffs, staff read them and quote prices.

No ``from __future__ import annotations`` here: ninja reads the handler annotations at import.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from core.accounts.models import User
from core.accounts.permissions import access
from core.accounts.roles import Role
from core.api.schemas import page_of
from water.tariffs import schemas, selectors, services
from water.tariffs.models import Tariff
from water.tariffs.pricing import PriceBlock, month_price, volume_breakdown

ROUTER_PREFIX = "water/"
router = Router(tags=["water: tariffs"])
READERS = {Role.SUPERADMIN, Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR}
WRITERS = {Role.SUPERADMIN, Role.CLIENT_ADMIN}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _blocks(blocks: list[schemas.BlockIn]) -> list[PriceBlock]:
    return [PriceBlock(b.from_litres, b.to_litres, b.price_per_m3_idr) for b in blocks]


@router.get(
    "/tenants/{tenant_id}/tariffs",
    response=schemas.TariffPage,
    summary="The water authority's tariffs with their blocks",
)
@access(roles=READERS, tenant_kwarg="tenant_id")
def tariffs_list(
    request: HttpRequest, tenant_id: int, query: Query[schemas.TariffFilters]
) -> dict[str, Any]:
    tariffs = selectors.tariff_list_for(
        actor=_user(request), tenant_id=tenant_id, customer_class=query.customer_class
    )
    return page_of(tariffs, query)


@router.post(
    "/tenants/{tenant_id}/tariffs",
    response={201: schemas.TariffOut},
    summary="Create a block tariff (409 when its dates overlap another of the same class)",
)
@access(roles=WRITERS, tenant_kwarg="tenant_id")
def tariff_create(request: HttpRequest, tenant_id: int, payload: schemas.TariffIn) -> Status[Any]:
    tariff = services.tariff_create(
        actor=_user(request),
        tenant_id=tenant_id,
        data=services.TariffData(
            name=payload.name,
            customer_class=payload.customer_class,
            effective_from=payload.effective_from,
            effective_to=payload.effective_to,
            fixed_monthly_charge_idr=payload.fixed_monthly_charge_idr,
            minimum_charge_idr=payload.minimum_charge_idr,
            blocks=_blocks(payload.blocks),
        ),
    )
    return Status(
        201,
        selectors.tariff_get_for(actor=_user(request), tenant_id=tenant_id, tariff_id=tariff.pk),
    )


@router.get(
    "/tenants/{tenant_id}/tariffs/{tariff_id}",
    response=schemas.TariffOut,
    summary="One tariff with its blocks",
)
@access(roles=READERS, tenant_kwarg="tenant_id")
def tariff_get(request: HttpRequest, tenant_id: int, tariff_id: int) -> Tariff:
    return selectors.tariff_get_for(actor=_user(request), tenant_id=tenant_id, tariff_id=tariff_id)


@router.patch(
    "/tenants/{tenant_id}/tariffs/{tariff_id}",
    response=schemas.TariffOut,
    summary="Amend a tariff; one in force may only be renamed or given an end date",
)
@access(roles=WRITERS, tenant_kwarg="tenant_id")
def tariff_update(
    request: HttpRequest, tenant_id: int, tariff_id: int, payload: schemas.TariffPatch
) -> Tariff:
    changes = payload.model_dump(exclude_unset=True)
    if payload.blocks is not None:
        changes["blocks"] = _blocks(payload.blocks)
    services.tariff_update(
        actor=_user(request), tenant_id=tenant_id, tariff_id=tariff_id, changes=changes
    )
    return selectors.tariff_get_for(actor=_user(request), tenant_id=tenant_id, tariff_id=tariff_id)


@router.delete(
    "/tenants/{tenant_id}/tariffs/{tariff_id}",
    response={204: None},
    summary="Delete a tariff that has not started yet",
)
@access(roles=WRITERS, tenant_kwarg="tenant_id")
def tariff_delete(request: HttpRequest, tenant_id: int, tariff_id: int) -> Status[None]:
    services.tariff_delete(actor=_user(request), tenant_id=tenant_id, tariff_id=tariff_id)
    return Status(204, None)


@router.post(
    "/tenants/{tenant_id}/tariffs/{tariff_id}/quote",
    response=schemas.QuoteOut,
    summary="Price a month's volume under this tariff, block by block",
)
@access(roles=READERS, tenant_kwarg="tenant_id")
def tariff_quote(
    request: HttpRequest, tenant_id: int, tariff_id: int, payload: schemas.QuoteIn
) -> dict[str, Any]:
    tariff = selectors.tariff_get_for(
        actor=_user(request), tenant_id=tenant_id, tariff_id=tariff_id
    )
    blocks = list(tariff.blocks.all())
    consumption = month_price(blocks, payload.litres)
    topup = max(0, tariff.minimum_charge_idr - consumption)
    return {
        "litres": payload.litres,
        "blocks": [
            {
                "from_litres": part.from_litres,
                "to_litres": part.to_litres,
                "price_per_m3_idr": part.price_per_m3_idr,
                "litres": part.litres,
                "amount": str(part.amount),
            }
            for part in volume_breakdown(blocks, payload.litres)
        ],
        "consumption_idr": consumption,
        "minimum_topup_idr": topup,
        "fixed_monthly_charge_idr": tariff.fixed_monthly_charge_idr,
        "total_idr": consumption + topup + tariff.fixed_monthly_charge_idr,
    }
