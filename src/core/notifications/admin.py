"""The delivery log in the Django admin: read-only, filterable by channel, status and event."""

from __future__ import annotations

from django.contrib import admin

from core.audit.admin import ReadOnlyAdmin
from core.notifications.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """What was sent to whom, over which channel, how many attempts it took, and the result."""

    list_display = (
        "id",
        "created_at",
        "channel",
        "status",
        "attempts",
        "event",
        "recipient",
        "provider_id",
        "last_error",
    )
    list_filter = ("channel", "status", "notification__event")
    search_fields = ("provider_id", "notification__user__email")
    ordering = ("-id",)
    date_hierarchy = "created_at"
    list_select_related = ("notification__user",)
    readonly_fields = tuple(field.name for field in Delivery._meta.fields)
    show_full_result_count = False

    @admin.display(description="event")
    def event(self, obj: Delivery) -> str:
        return obj.notification.event

    @admin.display(description="recipient")
    def recipient(self, obj: Delivery) -> str:
        return obj.notification.user.email
