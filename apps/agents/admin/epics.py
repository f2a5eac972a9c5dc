"""Operators' view of the task registry: epics with progress and spend, tasks with their links.

Status changes go through the services (actions), so lifecycles, cascades and events hold here too.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from .. import errors, services
from ..models import Epic, EpicStatus, Task, TaskStatus
from ..services.epics import EPIC_EDITABLE
from ..services.tasks import TASK_EDITABLE

STATUS_COLOURS = {
    EpicStatus.PLANNING: "#ca8a04",
    EpicStatus.ACTIVE: "#2563eb",
    EpicStatus.PAUSED: "#ea580c",
    EpicStatus.COMPLETED: "#16a34a",
    EpicStatus.FAILED: "#dc2626",
    EpicStatus.CANCELLED: "#6b7280",
    TaskStatus.PENDING: "#ca8a04",
    TaskStatus.BLOCKED: "#ea580c",
    TaskStatus.RUNNING: "#2563eb",
}


def status_badge(status: str):
    return format_html(
        '<span class="status-badge status-{}" style="color:#fff;background:{};padding:1px 7px;'
        'border-radius:9px;font-size:11px">{}</span>',
        status,
        STATUS_COLOURS.get(status, "#6b7280"),
        status,
    )


def spend(spent, budget, unit: str):
    shown = f"${spent:,.2f}" if unit == "usd" else f"{spent:,}"
    if budget is None:
        return format_html('<span title="spent; no budget">{}</span>', shown)
    limit = f"${budget:,.2f}" if unit == "usd" else f"{budget:,}"
    over = spent > budget
    return format_html(
        '<span class="spend{}" style="{}" title="spent / budget">{} / {}</span>',
        " over-budget" if over else "",
        "color:#dc2626;font-weight:bold" if over else "",
        shown,
        limit,
    )


def task_admin_url(task_id: str) -> str:
    return reverse("admin:agents_task_change", args=[quote(task_id)])


def dependency_links(task: Task):
    if not task.depends_on:
        return "—"
    return format_html_join(", ", '<a href="{}">{}</a>', ((task_admin_url(d), d) for d in task.depends_on))


def execution_link(task: Task):
    """A link to the execution's admin page when the execution app registers one, else its id."""
    from apps.execution.models import WorkflowExecution

    if not task.execution_id:
        return "—"
    execution_id = task.execution.execution_id
    if admin.site.is_registered(WorkflowExecution):
        url = reverse("admin:execution_workflowexecution_change", args=[task.execution_id])
        return format_html('<a href="{}">{}</a>', url, execution_id)
    return str(execution_id)


class RegistryAdminMixin:
    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj.status)


class TaskInline(RegistryAdminMixin, admin.TabularInline):
    """Read-only: tasks change through the task admin or the API, never by editing rows here."""

    model = Task
    extra = 0
    show_change_link = True
    fields = ("title", "status_badge", "priority", "depends", "execution_ref", "actual_tokens", "actual_usd")
    readonly_fields = fields

    @admin.display(description="Depends on")
    def depends(self, obj):
        return dependency_links(obj)

    @admin.display(description="Execution")
    def execution_ref(self, obj):
        return execution_link(obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Epic)
class EpicAdmin(RegistryAdminMixin, admin.ModelAdmin):
    list_display = ("title", "status_badge", "priority", "user", "progress", "tokens", "usd", "short_id")
    list_display_links = ("title",)
    list_filter = ("status", "priority", ("user", admin.RelatedOnlyFieldListFilter))
    search_fields = ("id", "title")
    list_select_related = ("user",)
    raw_id_fields = ("workflow",)
    inlines = [TaskInline]
    actions = ["cancel_epics", "pause_epics", "resume_epics"]
    fields = (
        ("id", "status_badge"),
        "title",
        "description",
        "tags",
        "priority",
        "user",
        "workflow",
        ("budget_tokens", "budget_usd"),
        ("progress", "tokens", "usd"),
        ("agent_overhead_tokens", "agent_overhead_usd"),
        "result_summary",
        ("created_at", "updated_at", "completed_at"),
    )
    readonly_fields = (
        "id",
        "status_badge",
        "user",
        "progress",
        "tokens",
        "usd",
        "agent_overhead_tokens",
        "agent_overhead_usd",
        "created_at",
        "updated_at",
        "completed_at",
    )

    @admin.display(description="Id", ordering="id")
    def short_id(self, obj):
        return format_html('<code style="font-size:11px">{}</code>', obj.id)

    @admin.display(description="Progress")
    def progress(self, obj):
        done, total = obj.completed_tasks, obj.total_tasks
        percent = round(100 * done / total) if total else 0
        return format_html(
            '<span class="epic-progress" title="{} of {} tasks completed">'
            '<span style="display:inline-block;width:80px;height:8px;background:#e5e7eb;border-radius:4px;'
            'vertical-align:middle"><span style="display:block;width:{}%;height:8px;background:#16a34a;'
            'border-radius:4px"></span></span> {}/{}</span>',
            done,
            total,
            percent,
            done,
            total,
        )

    @admin.display(description="Tokens", ordering="spent_tokens")
    def tokens(self, obj):
        return spend(obj.spent_tokens, obj.budget_tokens, "tokens")

    @admin.display(description="USD", ordering="spent_usd")
    def usd(self, obj):
        return spend(obj.spent_usd, obj.budget_usd, "usd")

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            # Tags are a JSON list: match the quoted tag inside its serialized text.
            queryset = queryset | self.model.objects.filter(tags__icontains=f'"{search_term}"')
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):
        fields = {name: getattr(obj, name) for name in EPIC_EDITABLE}
        if change:
            changed = {name: fields[name] for name in form.changed_data if name in fields}
            services.epic_update(epic=obj, changes=changed)
            return
        fields.pop("result_summary")
        epic = services.epic_create(user=request.user, **fields)
        obj.pk, obj._state.adding = epic.pk, False

    def delete_model(self, request, obj):
        services.epic_delete(epic=obj)

    def delete_queryset(self, request, queryset):
        for epic in queryset:
            services.epic_delete(epic=epic)

    def _move(self, request, queryset, status: str) -> None:
        moved = 0
        for epic in queryset:
            try:
                services.epic_update(epic=epic, changes={"status": status})
                moved += 1
            except errors.AgentsError as exc:
                self.message_user(request, exc.detail, messages.WARNING)
        if moved:
            self.message_user(request, f"{moved} epic(s) now {status}.", messages.SUCCESS)

    @admin.action(description="Cancel selected epics (and their open tasks)")
    def cancel_epics(self, request, queryset):
        self._move(request, queryset, EpicStatus.CANCELLED)

    @admin.action(description="Pause selected epics")
    def pause_epics(self, request, queryset):
        self._move(request, queryset, EpicStatus.PAUSED)

    @admin.action(description="Resume (activate) selected epics")
    def resume_epics(self, request, queryset):
        self._move(request, queryset, EpicStatus.ACTIVE)


@admin.register(Task)
class TaskAdmin(RegistryAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "title",
        "epic_link",
        "status_badge",
        "priority",
        "depends",
        "execution_ref",
        "actual_tokens",
        "actual_usd",
        "retries",
    )
    list_filter = ("status", "priority", "epic__status")
    search_fields = ("id", "title", "epic__id", "epic__title")
    list_select_related = ("epic", "execution")
    actions = ["cancel_tasks"]
    fields = (
        ("id", "epic_link", "status_badge"),
        "title",
        "description",
        "tags",
        "priority",
        ("workflow_slug", "workflow_source"),
        ("depends", "execution_ref"),
        "requirements",
        ("estimated_tokens", "actual_tokens", "actual_usd", "llm_calls", "tool_invocations"),
        ("retries", "max_retries"),
        "result_summary",
        "error_message",
        "notes",
        ("created_at", "started_at", "completed_at", "duration_ms"),
    )
    readonly_fields = (
        "id",
        "epic_link",
        "status_badge",
        "depends",
        "execution_ref",
        "actual_tokens",
        "actual_usd",
        "llm_calls",
        "tool_invocations",
        "retries",
        "created_at",
        "started_at",
        "completed_at",
        "duration_ms",
    )

    @admin.display(description="Epic", ordering="epic")
    def epic_link(self, obj):
        url = reverse("admin:agents_epic_change", args=[quote(obj.epic_id)])
        return format_html('<a href="{}">{}</a>', url, obj.epic_id)

    @admin.display(description="Depends on")
    def depends(self, obj):
        return dependency_links(obj)

    @admin.display(description="Execution")
    def execution_ref(self, obj):
        return execution_link(obj)

    @admin.display(description="Retries")
    def retries(self, obj):
        return f"{obj.retry_count}/{obj.max_retries}"

    def has_add_permission(self, request) -> bool:
        return False  # tasks are planned inside an epic, through the API or an agent's task tools

    def save_model(self, request, obj, form, change):
        changed = {name: getattr(obj, name) for name in form.changed_data if name in TASK_EDITABLE}
        services.task_update(task=obj, changes=changed)

    def delete_model(self, request, obj):
        services.task_delete(task=obj)

    def delete_queryset(self, request, queryset):
        for task in queryset:
            services.task_delete(task=task)

    @admin.action(description="Cancel selected tasks")
    def cancel_tasks(self, request, queryset):
        cancelled = 0
        for task in queryset:
            try:
                services.task_update(task=task, changes={"status": TaskStatus.CANCELLED})
                cancelled += 1
            except errors.AgentsError as exc:
                self.message_user(request, exc.detail, messages.WARNING)
        if cancelled:
            self.message_user(request, f"{cancelled} task(s) cancelled.", messages.SUCCESS)
