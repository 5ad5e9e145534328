"""Payments in the admin site: read-only (money moves only through audited services)."""

from __future__ import annotations

from django.contrib import admin

from core.audit.admin import ReadOnlyAdmin
from core.payments.models import Notification, Payment, Refund, Transition


class TransitionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Transition
    extra = 0
    can_delete = False
    readonly_fields = ("from_state", "to_state", "source", "gateway_status", "at")

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "created_at",
        "tenant",
        "purpose",
        "gateway",
        "method",
        "total_minor",
        "currency",
        "state",
    )
    list_filter = ("state", "gateway", "purpose", "currency")
    search_fields = ("reference", "gateway_txn_id")
    inlines = [TransitionInline]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "gateway", "reference", "source", "gateway_status", "outcome")
    list_filter = ("gateway", "outcome", "source")
    search_fields = ("reference", "dedupe_id")


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "payment", "amount_minor", "state", "through_gateway", "reason")
    list_filter = ("state", "through_gateway")
