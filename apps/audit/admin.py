"""Admin: the audit log, read-only for everyone (no add, change or delete, not even for superusers)."""

from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "actor_username",
        "actor_is_agent",
        "api_key_name",
        "source",
        "action",
        "outcome",
        "target_type",
        "target_id",
        "workflow_slug",
    )
    list_filter = ("outcome", "source", "actor_is_agent", "target_type")
    search_fields = ("action", "actor_username", "target_id", "target_repr", "workflow_slug", "request_id")
    date_hierarchy = "created_at"
    actions = None

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)
