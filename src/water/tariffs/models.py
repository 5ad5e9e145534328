"""Block tariffs per water authority and customer class."""

from __future__ import annotations

from django.db import models

from water.registry.models import CustomerClass


class Tariff(models.Model):
    """Monthly block prices for one customer class, valid from a date (until another starts).

    Volumes are litres; prices are whole Rupiah per m³. The block a litre falls in is decided
    by the meter's month-to-date volume in the client's local month.
    """

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    customer_class = models.CharField(max_length=16, choices=CustomerClass.choices)
    fixed_monthly_charge_idr = models.PositiveBigIntegerField(default=0)
    minimum_charge_idr = models.PositiveBigIntegerField(
        default=0, help_text="Least consumption charge for a month; the difference is billed."
    )
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer_class", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gte=models.F("effective_from")),
                name="tariff_effective_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer_class} from {self.effective_from})"


class TariffBlock(models.Model):
    """Litres from `from_litres` up to `to_litres` (None: no upper bound) cost `price_per_m3`."""

    tariff = models.ForeignKey(Tariff, on_delete=models.CASCADE, related_name="blocks")
    from_litres = models.PositiveBigIntegerField()
    to_litres = models.PositiveBigIntegerField(null=True, blank=True)
    price_per_m3_idr = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["tariff_id", "from_litres"]
        constraints = [
            models.UniqueConstraint(fields=["tariff", "from_litres"], name="uniq_block_start"),
            models.CheckConstraint(
                condition=models.Q(to_litres__isnull=True)
                | models.Q(to_litres__gt=models.F("from_litres")),
                name="block_range_positive",
            ),
        ]
