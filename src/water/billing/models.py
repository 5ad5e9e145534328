"""Prepaid accounts (one per meter) whose balance moves only through ledger entries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PrepaidAccount(models.Model):
    """A meter's Rupiah balance and its month-to-date consumption in the client's month.

    The balance may go below zero: a reading is always billed, never dropped for want of
    credit, and the valve-close rules decide what happens next.
    """

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="+")
    meter = models.OneToOneField(
        "water_meters.Meter", on_delete=models.PROTECT, related_name="account"
    )
    balance_idr = models.BigIntegerField(default=0)
    month_start = models.DateField(null=True, blank=True, help_text="Local month being billed.")
    month_litres = models.PositiveBigIntegerField(default=0)
    month_consumption_idr = models.PositiveBigIntegerField(default=0)
    fixed_charge_month = models.DateField(
        null=True, blank=True, help_text="Last local month whose fixed charge was billed."
    )
    low_balance_alerted = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"account of meter {self.meter_id}"


class EntryKind(models.TextChoices):
    TOPUP = "topup", _("Top-up")
    CONSUMPTION = "consumption", _("Consumption")
    MONTHLY_CHARGE = "monthly_charge", _("Monthly charge")
    MINIMUM_CHARGE = "minimum_charge", _("Minimum charge")
    ADJUSTMENT = "adjustment", _("Adjustment")
    REFUND = "refund", _("Refund")


class LedgerEntry(models.Model):
    """One movement of an account's balance. Append-only; the sum of entries is the balance.

    `idempotency_key` makes a credit or charge happen at most once (e.g. gateway + transaction
    id, or "reading:<id>").
    """

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(PrepaidAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    amount_idr = models.BigIntegerField()
    balance_after_idr = models.BigIntegerField()
    idempotency_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    reading = models.ForeignKey(
        "water_meters.Reading", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    memo = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account_id", "id"]
        indexes = [models.Index(fields=["tenant", "kind", "created_at"])]


class DailyUsage(models.Model):
    """A meter's billed litres and consumption charges on one local day of its client.

    Kept in the same transaction as billing (`services/rollups.py`), so the dashboards read
    a year in a few hundred rows instead of thousands of readings per meter.
    """

    # No separate FK indexes: (tenant, day) and the unique (meter, day) lead with them, and
    # every index is written by billing's upsert.
    tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    meter = models.ForeignKey(
        "water_meters.Meter", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    day = models.DateField(help_text="The client's local date of the readings.")
    litres = models.BigIntegerField(default=0)
    charge_idr = models.BigIntegerField(default=0)
    readings = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meter", "day"], name="uniq_daily_usage_meter_day")
        ]
        indexes = [models.Index(fields=["tenant", "day"], name="daily_usage_tenant_day")]

    def __str__(self) -> str:
        return f"usage of meter {self.meter_id} on {self.day}"
