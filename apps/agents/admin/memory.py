"""Global memory in the admin: facts, episodes, procedures and memory users, searchable and filterable."""

from django.contrib import admin

from ..models import MemoryEpisode, MemoryFact, MemoryProcedure, MemoryUser


@admin.register(MemoryFact)
class MemoryFactAdmin(admin.ModelAdmin):
    list_display = (
        "key",
        "value",
        "scope",
        "fact_type",
        "confidence",
        "times_confirmed",
        "access_count",
        "updated_at",
    )
    list_filter = ("scope", "fact_type")
    search_fields = ("key", "agent_id", "session_id")
    raw_id_fields = ("user",)
    readonly_fields = (
        "times_confirmed",
        "times_contradicted",
        "access_count",
        "last_accessed_at",
        "created_at",
        "updated_at",
    )
    exclude = ("embedding",)


@admin.register(MemoryEpisode)
class MemoryEpisodeAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "agent_id",
        "trigger_type",
        "success",
        "summary",
        "duration_ms",
        "total_tokens",
    )
    list_filter = ("success", "trigger_type")
    search_fields = ("agent_id", "summary", "workflow_slug")
    raw_id_fields = ("user", "execution")
    exclude = ("embedding",)


@admin.register(MemoryProcedure)
class MemoryProcedureAdmin(admin.ModelAdmin):
    list_display = ("name", "agent_id", "procedure_type", "times_used", "success_rate", "is_active")
    list_filter = ("procedure_type", "is_active")
    search_fields = ("name", "description", "agent_id")
    raw_id_fields = ("parent_procedure",)


@admin.register(MemoryUser)
class MemoryUserAdmin(admin.ModelAdmin):
    list_display = ("canonical_id", "display_name", "email", "total_conversations", "last_seen_at")
    search_fields = ("canonical_id", "display_name", "email", "telegram_id")
    raw_id_fields = ("merged_into",)
