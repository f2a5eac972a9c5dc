"""The graph as data: Workflow, WorkflowNode, the polymorphic ComponentConfig family and WorkflowEdge."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from polymorphic.models import PolymorphicModel

from apps.workflows.registry import ConfigKind


class WorkflowQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)


class Workflow(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workflows")
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="collaborated_workflows"
    )
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255)
    description = models.TextField(blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    is_public = models.BooleanField(default=False)
    is_default = models.BooleanField(default=False)
    error_handler_workflow = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    input_schema = models.JSONField(null=True, blank=True)
    output_schema = models.JSONField(null=True, blank=True)
    max_execution_seconds = models.PositiveIntegerField(default=600)
    # Protection (docs/protection.md). Empty limits take the PIPELIT_* defaults from settings.
    allow_self_modification = models.BooleanField(default=False)
    max_concurrent_executions = models.PositiveIntegerField(null=True, blank=True)
    circuit_failure_threshold = models.PositiveIntegerField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    circuit_opened_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped on every node/edge change too: the engine caches compiled graphs by it.
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = WorkflowQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                condition=models.Q(deleted_at__isnull=True),
                name="workflow_slug_unique_alive",
            )
        ]

    def __str__(self) -> str:
        return self.slug


class WorkflowNode(models.Model):
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="nodes")
    node_id = models.CharField(max_length=255)
    component_type = models.CharField(max_length=64)
    label = models.CharField(max_length=255, blank=True, default="")
    position_x = models.FloatField(default=0)
    position_y = models.FloatField(default=0)
    is_entry_point = models.BooleanField(default=False)
    interrupt_before = models.BooleanField(default=False)
    interrupt_after = models.BooleanField(default=False)
    subworkflow = models.ForeignKey(
        Workflow, null=True, blank=True, on_delete=models.SET_NULL, related_name="parent_nodes"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "node_id"], name="node_id_unique_in_workflow")
        ]

    def __str__(self) -> str:
        return f"{self.node_id} ({self.component_type})"


class ComponentConfig(PolymorphicModel):
    """A node's settings; the subclass is chosen by the node type's `config_kind`."""

    kind = ConfigKind.BASE
    node = models.OneToOneField(WorkflowNode, on_delete=models.CASCADE, related_name="config")
    extra_config = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{type(self).__name__} of node {self.node_id}"


class ModelConfig(ComponentConfig):
    """LLM settings of an `ai_model`-like sub-component."""

    kind = ConfigKind.MODEL
    credential = models.ForeignKey(
        settings.PIPELIT_CREDENTIAL_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    model_name = models.CharField(max_length=255, blank=True, default="")
    temperature = models.FloatField(null=True, blank=True)
    max_tokens = models.PositiveIntegerField(null=True, blank=True)
    top_p = models.FloatField(null=True, blank=True)
    frequency_penalty = models.FloatField(null=True, blank=True)
    presence_penalty = models.FloatField(null=True, blank=True)
    timeout = models.PositiveIntegerField(null=True, blank=True)
    max_retries = models.PositiveIntegerField(null=True, blank=True)
    response_format = models.JSONField(null=True, blank=True)


class AIConfig(ComponentConfig):
    kind = ConfigKind.AI
    system_prompt = models.TextField(blank=True, default="")


class TriggerConfig(ComponentConfig):
    kind = ConfigKind.TRIGGER
    credential = models.ForeignKey(
        settings.PIPELIT_CREDENTIAL_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    priority = models.IntegerField(default=0)
    trigger_config = models.JSONField(default=dict, blank=True)


class CodeConfig(ComponentConfig):
    kind = ConfigKind.CODE
    code = models.TextField(blank=True, default="")
    language = models.CharField(max_length=32, default="python")


class SubworkflowConfig(ComponentConfig):
    kind = ConfigKind.SUBWORKFLOW
    trigger_mode = models.CharField(max_length=16, default="implicit")
    input_mapping = models.JSONField(default=dict, blank=True)


CONFIG_CLASSES: dict[ConfigKind, type[ComponentConfig]] = {
    cls.kind: cls
    for cls in (ComponentConfig, ModelConfig, AIConfig, TriggerConfig, CodeConfig, SubworkflowConfig)
}


def config_class_for(kind: ConfigKind) -> type[ComponentConfig]:
    return CONFIG_CLASSES[ConfigKind(kind)]


class EdgeType(models.TextChoices):
    DIRECT = "direct"
    CONDITIONAL = "conditional"


class EdgeLabel(models.TextChoices):
    DATA = "", "data"
    LLM = "llm"
    TOOL = "tool"
    MEMORY = "memory"
    OUTPUT_PARSER = "output_parser"
    LOOP_BODY = "loop_body"
    LOOP_RETURN = "loop_return"


class WorkflowEdge(models.Model):
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="edges")
    source = models.ForeignKey(WorkflowNode, on_delete=models.CASCADE, related_name="outgoing_edges")
    target = models.ForeignKey(WorkflowNode, on_delete=models.CASCADE, related_name="incoming_edges")
    edge_type = models.CharField(max_length=16, choices=EdgeType.choices, default=EdgeType.DIRECT)
    edge_label = models.CharField(max_length=32, choices=EdgeLabel.choices, blank=True, default="")
    condition_mapping = models.JSONField(null=True, blank=True)
    condition_value = models.CharField(max_length=255, blank=True, default="")
    priority = models.IntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.source_id} -> {self.target_id}"
