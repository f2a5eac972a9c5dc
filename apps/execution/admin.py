"""Admin: scheduled jobs (editable) with their fired ticks; executions read-mostly."""

from django.contrib import admin

from apps.execution.models import ScheduledJob, ScheduledRun


class ScheduledRunInline(admin.TabularInline):
    model = ScheduledRun
    extra = 0
    fields = ("tick", "execution", "outcome", "created_at", "finished_at")
    readonly_fields = fields
    can_delete = False
    ordering = ("-tick",)
    max_num = 0


@admin.register(ScheduledJob)
class ScheduledJobAdmin(admin.ModelAdmin):
    list_display = ("name", "workflow", "status", "interval_seconds", "cron", "run_count", "error_count")
    list_display_links = ("name",)
    list_filter = ("status",)
    search_fields = ("name", "workflow__slug")
    raw_id_fields = ("workflow", "trigger_node", "user")
    readonly_fields = (
        "run_count",
        "error_count",
        "current_repeat",
        "current_retry",
        "last_run_at",
        "last_error",
    )
    inlines = [ScheduledRunInline]
