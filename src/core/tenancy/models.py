"""Tenants: the organisations that own data (a water authority, a roadside operator, ...)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TenantKind(models.TextChoices):
    WATER_AUTHORITY = "water_authority", _("Water authority")
    ROADSIDE_OPERATOR = "roadside_operator", _("Roadside operator")
    PARTNER_COMPANY = "partner_company", _("Partner company")
    SECURITY_COMPANY = "security_company", _("Security company")


class Service(models.TextChoices):
    WATER = "water", "IndoWater"
    ROADSIDE = "roadside", "RoadSide+ TT"


SERVICE_OF_KIND: dict[str, str] = {
    TenantKind.WATER_AUTHORITY: Service.WATER,
    TenantKind.ROADSIDE_OPERATOR: Service.ROADSIDE,
    TenantKind.PARTNER_COMPANY: Service.ROADSIDE,
    TenantKind.SECURITY_COMPANY: Service.ROADSIDE,
}


class TenantStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class Tenant(models.Model):
    """An organisation whose rows, staff and customers are isolated from every other tenant."""

    kind = models.CharField(max_length=32, choices=TenantKind.choices)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    status = models.CharField(
        max_length=16, choices=TenantStatus.choices, default=TenantStatus.ACTIVE
    )
    timezone = models.CharField(max_length=64, default="UTC")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def service(self) -> str:
        return SERVICE_OF_KIND[self.kind]

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.ACTIVE
