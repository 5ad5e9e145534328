"""Valve commands with their delivery lifecycle, and alerts about meters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CommandKind(models.TextChoices):
    OPEN = "open", _("Open valve")
    CLOSE = "close", _("Close valve")
    STATUS = "status", _("Report status")


class CommandStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    FAILED = "failed", _("Failed")
    TIMED_OUT = "timed_out", _("Timed out")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


OPEN_COMMAND_STATUSES = (CommandStatus.PENDING, CommandStatus.SENT)


class CommandPriority(models.IntegerChoices):
    LOW = 10, _("Low")
    NORMAL = 20, _("Normal")
    HIGH = 30, _("High")
    EMERGENCY = 40, _("Emergency")


class ValveCommand(models.Model):
    """An instruction to a meter's valve: pending → sent → acknowledged / failed /
    timed out; retried up to `max_attempts`; expired when not delivered by `expires_at`."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="+")
    meter = models.ForeignKey(
        "water_meters.Meter", on_delete=models.PROTECT, related_name="commands"
    )
    kind = models.CharField(max_length=8, choices=CommandKind.choices)
    status = models.CharField(
        max_length=16, choices=CommandStatus.choices, default=CommandStatus.PENDING
    )
    priority = models.PositiveSmallIntegerField(
        choices=CommandPriority.choices, default=CommandPriority.NORMAL
    )
    reason = models.CharField(max_length=200)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    response = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-priority", "created_at"]
        indexes = [models.Index(fields=["meter", "status"])]


class AlertKind(models.TextChoices):
    LOW_BALANCE = "low_balance", _("Low balance")
    ZERO_BALANCE = "zero_balance", _("Credit exhausted")
    OFFLINE = "offline", _("Meter offline")
    LOW_BATTERY = "low_battery", _("Low battery")
    LEAK = "leak", _("Suspected leak")
    TAMPER = "tamper", _("Tamper")
    REVERSE_FLOW = "reverse_flow", _("Reverse flow")
    COMMAND_FAILED = "command_failed", _("Valve command failed")


class AlertSeverity(models.TextChoices):
    INFO = "info", _("Info")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class Alert(models.Model):
    """Something about a meter that needs a person's attention; one open alert per kind."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="+")
    meter = models.ForeignKey("water_meters.Meter", on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    severity = models.CharField(max_length=8, choices=AlertSeverity.choices)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    message = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    occurrences = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["meter", "kind"],
                condition=~models.Q(status="resolved"),
                name="one_unresolved_alert_per_kind",
            )
        ]
