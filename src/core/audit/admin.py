"""The audit log in the Django admin: read-only, filterable, searchable by actor email."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.audit.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A log shown in the admin: nobody adds, changes or deletes its rows there."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Nobody adds, changes or deletes audit rows here; viewing needs `audit.view_auditevent`."""

    list_display = (
        "seq",
        "created_at",
        "action",
        "actor_email",
        "tenant_id",
        "target_type",
        "target_id",
        "ip_address",
    )
    list_filter = ("action", "tenant_id")
    search_fields = ("actor_email",)
    ordering = ("-seq",)
    date_hierarchy = "created_at"
    readonly_fields = tuple(field.name for field in AuditEvent._meta.fields)
    show_full_result_count = False
