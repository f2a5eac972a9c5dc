"""Admin: workflows with their nodes and edges inline; search by name, slug or tag."""

from django.contrib import admin

from apps.workflows import services
from apps.workflows.models import Workflow, WorkflowEdge, WorkflowNode


class WorkflowNodeInline(admin.TabularInline):
    model = WorkflowNode
    fk_name = "workflow"
    extra = 0
    fields = ("node_id", "component_type", "label", "position_x", "position_y", "is_entry_point")
    show_change_link = True


class WorkflowEdgeInline(admin.TabularInline):
    model = WorkflowEdge
    extra = 0
    fields = ("source", "target", "edge_type", "edge_label", "condition_value", "priority")
    raw_id_fields = ("source", "target")


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "owner", "is_active", "circuit_open", "deleted_at", "updated_at")
    list_filter = ("owner", "is_active", "is_public", ("circuit_opened_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "slug")
    raw_id_fields = ("owner", "error_handler_workflow")
    filter_horizontal = ("collaborators",)
    inlines = [WorkflowNodeInline, WorkflowEdgeInline]
    readonly_fields = ("circuit_opened_at", "consecutive_failures")
    actions = ["reset_circuit"]

    @admin.display(boolean=True, description="circuit open")
    def circuit_open(self, obj) -> bool:
        return obj.circuit_opened_at is not None

    @admin.action(description="Reset the circuit breaker (triggers fire again)")
    def reset_circuit(self, request, queryset):
        for workflow in queryset:
            services.workflow_circuit_reset(workflow=workflow)
        self.message_user(request, f"Circuit reset for {queryset.count()} workflow(s).")

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            # Tags are a JSON list: match the quoted tag inside its serialized text.
            tagged = self.model.objects.filter(tags__icontains=f'"{search_term}"')
            queryset = queryset | tagged
        return queryset, may_have_duplicates


@admin.register(WorkflowNode)
class WorkflowNodeAdmin(admin.ModelAdmin):
    list_display = ("node_id", "component_type", "workflow")
    list_filter = ("component_type",)
    search_fields = ("node_id", "workflow__slug")
    raw_id_fields = ("workflow", "subworkflow")
