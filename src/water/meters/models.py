"""Meters, their device credentials and provisioning tokens, and the readings they send."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.crypto.fields import EncryptedTextField


class MeterStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    MAINTENANCE = "maintenance", _("Maintenance")
    RETIRED = "retired", _("Retired")


class ValveState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    UNKNOWN = "unknown", _("Unknown")


class Meter(models.Model):
    """A prepaid smart meter with a valve. The register counts litres and wraps at
    `register_max_litres` (rollover)."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="+")
    serial = models.CharField(max_length=64, unique=True)
    model = models.CharField(max_length=64, blank=True, default="")
    firmware = models.CharField(max_length=32, blank=True, default="")
    property = models.ForeignKey(
        "water_registry.Property", on_delete=models.PROTECT, related_name="meters"
    )
    customer = models.ForeignKey(
        "water_registry.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meters",
    )
    install_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=MeterStatus.choices, default=MeterStatus.ACTIVE
    )
    valve_state = models.CharField(
        max_length=16, choices=ValveState.choices, default=ValveState.UNKNOWN
    )
    register_max_litres = models.PositiveBigIntegerField(default=100_000_000)  # 99,999.999 m³
    last_register_litres = models.PositiveBigIntegerField(null=True, blank=True)
    last_reading_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    battery_pct = models.PositiveSmallIntegerField(null=True, blank=True)
    signal_dbm = models.SmallIntegerField(null=True, blank=True)
    # Device credential: HMAC key issued at provisioning, shown to the device once.
    device_key = EncryptedTextField(blank=True, default="")
    device_key_id = models.CharField(max_length=32, blank=True, default="", db_index=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["serial"]

    def __str__(self) -> str:
        return self.serial


class ProvisioningToken(models.Model):
    """A single-use, expiring token a technician types into a new meter to enrol it."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="provisioning_tokens")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)


class ReadingSource(models.TextChoices):
    MQTT = "mqtt", "MQTT"
    HTTP = "http", "HTTP"
    MANUAL = "manual", _("Manual")


class Reading(models.Model):
    """A cumulative register value at a moment, with what it added and what it cost.

    `consumption_litres` is the delta from the previous reading in time order (0 for the
    first, a rollover is unwrapped, a replacement meter starts its own series);
    `charge_idr` is what the billing engine debited for it.
    """

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="+")
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="readings")
    taken_at = models.DateTimeField()
    register_litres = models.PositiveBigIntegerField()
    consumption_litres = models.BigIntegerField(default=0)
    charge_idr = models.BigIntegerField(default=0)
    flow_lpm = models.FloatField(null=True, blank=True)
    battery_pct = models.PositiveSmallIntegerField(null=True, blank=True)
    signal_dbm = models.SmallIntegerField(null=True, blank=True)
    flags = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=8, choices=ReadingSource.choices)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # A replayed or duplicated reading (same meter, same instant) is ignored.
            models.UniqueConstraint(fields=["meter", "taken_at"], name="uniq_reading_instant")
        ]
        indexes = [models.Index(fields=["tenant", "taken_at"])]
        ordering = ["meter_id", "taken_at"]
