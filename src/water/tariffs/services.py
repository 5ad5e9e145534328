"""Writes of tariffs: create, amend and delete, with block and date validation.

A tariff in force has priced bills, so only its name and end date may change (to end it);
its blocks, charges and start are fixed. A tariff that has not started yet may be edited or
deleted freely. Two tariffs of the same class in a tenant never overlap in time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.accounts.models import User
from core.audit.services import audit_record
from core.errors import NotFound
from core.tenancy.models import Tenant
from water.errors import Conflict, InvalidTransition, ValidationFailed
from water.registry.models import Client, CustomerClass
from water.tariffs.models import Tariff, TariffBlock
from water.tariffs.pricing import PriceBlock, blocks_validate

TARIFF_CREATED = "water.tariff_created"
TARIFF_UPDATED = "water.tariff_updated"
TARIFF_DELETED = "water.tariff_deleted"
FROZEN_WHEN_IN_FORCE = frozenset(
    {"customer_class", "effective_from", "fixed_monthly_charge_idr", "minimum_charge_idr", "blocks"}
)


@dataclass(frozen=True)
class TariffData:
    """A tariff as submitted: everything but the tenant."""

    name: str
    customer_class: str
    effective_from: date
    effective_to: date | None
    fixed_monthly_charge_idr: int
    minimum_charge_idr: int
    blocks: Sequence[PriceBlock]


def _local_today(tenant_id: int) -> date:
    tz_name = Client.objects.filter(tenant_id=tenant_id).values_list("timezone", flat=True).first()
    return timezone.now().astimezone(ZoneInfo(tz_name or "Asia/Jakarta")).date()


def _validate(data: TariffData) -> None:
    problems = blocks_validate(data.blocks)
    if data.customer_class not in CustomerClass.values:
        problems.append(f"Unknown customer class {data.customer_class!r}.")
    if data.effective_to is not None and data.effective_to < data.effective_from:
        problems.append("A tariff cannot end before it starts.")
    if data.fixed_monthly_charge_idr < 0 or data.minimum_charge_idr < 0:
        problems.append("Charges are never negative.")
    if problems:
        raise ValidationFailed(" ".join(problems), extra={"problems": problems})


def _check_overlap(tenant_id: int, data: TariffData, exclude_id: int | None = None) -> None:
    others = Tariff.objects.filter(tenant_id=tenant_id, customer_class=data.customer_class)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    overlapping = others.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=data.effective_from)
    )
    if data.effective_to is not None:
        overlapping = overlapping.filter(effective_from__lte=data.effective_to)
    clash = overlapping.order_by("effective_from").first()
    if clash is not None:
        raise Conflict(
            f"The dates overlap tariff {clash.pk} ({clash.name}).",
            extra={"tariff_id": clash.pk},
        )


def _lock_tenant(tenant_id: int) -> None:
    # Tariff writes of one tenant take turns, so two overlapping creations cannot both pass.
    if not Tenant.objects.select_for_update().filter(pk=tenant_id).exists():
        raise NotFound("Not found.")


def _snapshot(tariff: Tariff) -> dict[str, Any]:
    return {
        "name": tariff.name,
        "customer_class": tariff.customer_class,
        "effective_from": tariff.effective_from.isoformat(),
        "effective_to": tariff.effective_to.isoformat() if tariff.effective_to else None,
        "fixed_monthly_charge_idr": tariff.fixed_monthly_charge_idr,
        "minimum_charge_idr": tariff.minimum_charge_idr,
        "blocks": [
            [b.from_litres, b.to_litres, b.price_per_m3_idr]
            for b in TariffBlock.objects.filter(tariff=tariff).order_by("from_litres")
        ],
    }


def _write_blocks(tariff: Tariff, blocks: Sequence[PriceBlock]) -> None:
    TariffBlock.objects.filter(tariff=tariff).delete()
    TariffBlock.objects.bulk_create(
        TariffBlock(
            tariff=tariff,
            from_litres=b.from_litres,
            to_litres=b.to_litres,
            price_per_m3_idr=b.price_per_m3_idr,
        )
        for b in blocks
    )


def tariff_create(*, actor: User, tenant_id: int, data: TariffData) -> Tariff:
    """Create a tariff with its blocks; 409 when it overlaps another of the same class."""
    _validate(data)
    with transaction.atomic():
        _lock_tenant(tenant_id)
        _check_overlap(tenant_id, data)
        tariff = Tariff.objects.create(
            tenant_id=tenant_id,
            name=data.name,
            customer_class=data.customer_class,
            effective_from=data.effective_from,
            effective_to=data.effective_to,
            fixed_monthly_charge_idr=data.fixed_monthly_charge_idr,
            minimum_charge_idr=data.minimum_charge_idr,
        )
        _write_blocks(tariff, data.blocks)
        audit_record(
            action=TARIFF_CREATED,
            actor=actor,
            tenant=tenant_id,
            target=tariff,
            data=_snapshot(tariff),
        )
    return tariff


def tariff_update(
    *, actor: User, tenant_id: int, tariff_id: int, changes: dict[str, Any]
) -> Tariff:
    """Amend a tariff. In force: only `name` and `effective_to` (not before today)."""
    with transaction.atomic():
        _lock_tenant(tenant_id)
        tariff = (
            Tariff.objects.select_for_update().filter(pk=tariff_id, tenant_id=tenant_id).first()
        )
        if tariff is None:
            raise NotFound("Tariff not found.")
        today = _local_today(tenant_id)
        if tariff.effective_from <= today:
            frozen = sorted(FROZEN_WHEN_IN_FORCE & set(changes))
            if frozen:
                raise InvalidTransition(
                    "A tariff in force can only be renamed or given an end date.",
                    extra={"fields": frozen},
                )
            end = changes.get("effective_to", tariff.effective_to)
            if "effective_to" in changes and (end is None or end < today):
                raise ValidationFailed(
                    "A tariff in force can only end today or later.",
                    extra={"field": "effective_to"},
                )
        before = _snapshot(tariff)
        blocks = changes.get("blocks")
        current = [
            PriceBlock(b.from_litres, b.to_litres, b.price_per_m3_idr)
            for b in TariffBlock.objects.filter(tariff=tariff).order_by("from_litres")
        ]
        data = TariffData(
            name=changes.get("name", tariff.name),
            customer_class=changes.get("customer_class", tariff.customer_class),
            effective_from=changes.get("effective_from", tariff.effective_from),
            effective_to=changes.get("effective_to", tariff.effective_to),
            fixed_monthly_charge_idr=changes.get(
                "fixed_monthly_charge_idr", tariff.fixed_monthly_charge_idr
            ),
            minimum_charge_idr=changes.get("minimum_charge_idr", tariff.minimum_charge_idr),
            blocks=blocks if blocks is not None else current,
        )
        _validate(data)
        _check_overlap(tenant_id, data, exclude_id=tariff.pk)
        for name in ("name", "customer_class", "effective_from", "effective_to"):
            setattr(tariff, name, getattr(data, name))
        tariff.fixed_monthly_charge_idr = data.fixed_monthly_charge_idr
        tariff.minimum_charge_idr = data.minimum_charge_idr
        tariff.save()
        if blocks is not None:
            _write_blocks(tariff, blocks)
        audit_record(
            action=TARIFF_UPDATED,
            actor=actor,
            tenant=tenant_id,
            target=tariff,
            data={"before": before, "after": _snapshot(tariff)},
        )
    return tariff


def tariff_delete(*, actor: User, tenant_id: int, tariff_id: int) -> None:
    """Delete a tariff that has not started yet (one in force has priced bills: end it)."""
    with transaction.atomic():
        _lock_tenant(tenant_id)
        tariff = (
            Tariff.objects.select_for_update().filter(pk=tariff_id, tenant_id=tenant_id).first()
        )
        if tariff is None:
            raise NotFound("Tariff not found.")
        if tariff.effective_from <= _local_today(tenant_id):
            raise InvalidTransition("A tariff in force cannot be deleted; give it an end date.")
        snapshot = _snapshot(tariff)
        audit_record(
            action=TARIFF_DELETED, actor=actor, tenant=tenant_id, target=tariff, data=snapshot
        )
        tariff.delete()
