"""Matrix cases of the staff workspace's customer, property and tariff pages (IndoWater)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.authz.cases import Case, Ctx
from water.registry.models import VerificationStatus
from water.tariffs.models import Tariff, TariffBlock
from water.tests.factories import CustomerFactory, PropertyFactory

T = "/water/t/<int:tenant_id>"


def _url(ctx: Ctx, suffix: str) -> str:
    return f"/water/t/{ctx.tenant.pk}/{suffix}"


def _page(suffix: str) -> Case:
    return Case(build=lambda ctx: (_url(ctx, suffix), None))


def _customer(ctx: Ctx, suffix: str = "") -> str:
    return _url(ctx, f"customers/{CustomerFactory(tenant=ctx.tenant).pk}/{suffix}")


def _property(ctx: Ctx, suffix: str = "", status: str = VerificationStatus.PENDING) -> str:
    prop = PropertyFactory(tenant=ctx.tenant, verification_status=status)
    return _url(ctx, f"properties/{prop.pk}/{suffix}")


def _tariff(ctx: Ctx, suffix: str = "") -> str:
    tariff = Tariff.objects.create(
        tenant=ctx.tenant,
        name="Rumah Tangga",
        customer_class="residential",
        effective_from=timezone.now().date() + timedelta(days=30),
    )
    TariffBlock.objects.create(tariff=tariff, from_litres=0, to_litres=None, price_per_m3_idr=5000)
    return _url(ctx, f"tariffs/{tariff.pk}/{suffix}")


def _upload(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    document = SimpleUploadedFile("permit.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    return _property(ctx, "documents/"), {"document_type": "building_permit", "file": document}


def _post(build: Any, ok: int = 303) -> Case:
    return Case(build=build, method="POST", ok=frozenset({ok}))


CASES: dict[tuple[str, str], Case] = {
    ("*", f"{T}/customers/"): _page("customers/?q=a&class=social&page=2"),
    ("*", f"{T}/customers/new/"): _page("customers/new/"),
    ("*", f"{T}/customers/<int:customer_id>/"): Case(build=lambda ctx: (_customer(ctx), None)),
    ("*", f"{T}/customers/<int:customer_id>/portal-access/"): _post(
        lambda ctx: (_customer(ctx, "portal-access/"), {"email": "pelanggan@example.id"})
    ),
    ("*", f"{T}/customers/<int:customer_id>/delete/"): _post(
        lambda ctx: (_customer(ctx, "delete/"), None)
    ),
    ("*", f"{T}/properties/"): _page("properties/?status=pending"),
    ("*", f"{T}/properties/new/"): _page("properties/new/"),
    ("*", f"{T}/properties/<int:property_id>/"): Case(build=lambda ctx: (_property(ctx), None)),
    ("*", f"{T}/properties/<int:property_id>/documents/"): _post(_upload),
    ("*", f"{T}/properties/<int:property_id>/resubmit/"): _post(
        lambda ctx: (_property(ctx, "resubmit/", VerificationStatus.REJECTED), {"notes": "Fixed"})
    ),
    ("*", f"{T}/tariffs/"): _page("tariffs/?state=upcoming"),
    ("*", f"{T}/tariffs/new/"): _page("tariffs/new/"),
    ("*", f"{T}/tariffs/calculator/"): _page(
        "tariffs/calculator/?litres=12000&customer_class=residential"
    ),
    ("*", f"{T}/tariffs/<int:tariff_id>/"): Case(build=lambda ctx: (_tariff(ctx), None)),
    ("*", f"{T}/tariffs/<int:tariff_id>/edit/"): Case(
        build=lambda ctx: (_tariff(ctx, "edit/"), None)
    ),
    ("*", f"{T}/tariffs/<int:tariff_id>/delete/"): _post(
        lambda ctx: (_tariff(ctx, "delete/"), None)
    ),
}
