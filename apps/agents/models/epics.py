"""The task registry: epics (objectives with budgets) and their tasks (units of work with dependencies)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ..ids import sortable_id

USD = {"max_digits": 14, "decimal_places": 6}
PRIORITY_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


def new_epic_id() -> str:
    return sortable_id("ep_")


def new_task_id() -> str:
    return sortable_id("tk_")


class EpicStatus(models.TextChoices):
    PLANNING = "planning", "Planning"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class TaskStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    BLOCKED = "blocked", "Blocked"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class WorkflowSource(models.TextChoices):
    INLINE = "inline", "Inline"
    EXISTING = "existing", "Existing"
    CREATED = "created", "Created"
    TEMPLATE = "template", "Template"


class Epic(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_epic_id, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="epics")
    workflow = models.ForeignKey(
        "workflows.Workflow", null=True, blank=True, on_delete=models.SET_NULL, related_name="epics"
    )
    created_by_node_id = models.CharField(max_length=255, blank=True, default="")
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=EpicStatus.choices, default=EpicStatus.PLANNING)
    priority = models.PositiveSmallIntegerField(default=2, validators=PRIORITY_VALIDATORS)
    budget_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    budget_usd = models.DecimalField(null=True, blank=True, **USD)
    spent_tokens = models.PositiveBigIntegerField(default=0)
    spent_usd = models.DecimalField(default=Decimal(0), **USD)
    agent_overhead_tokens = models.PositiveBigIntegerField(default=0)
    agent_overhead_usd = models.DecimalField(default=Decimal(0), **USD)
    total_tasks = models.PositiveIntegerField(default=0)
    completed_tasks = models.PositiveIntegerField(default=0)
    failed_tasks = models.PositiveIntegerField(default=0)
    result_summary = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]  # ids are time-sortable: newest first
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.id} {self.title}"


class Task(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_task_id, editable=False)
    epic = models.ForeignKey(Epic, on_delete=models.CASCADE, related_name="tasks")
    created_by_node_id = models.CharField(max_length=255, blank=True, default="")
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    priority = models.PositiveSmallIntegerField(default=2, validators=PRIORITY_VALIDATORS)
    workflow = models.ForeignKey(
        "workflows.Workflow", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    # Kept as text too: a planned task may name a workflow that an agent creates later.
    workflow_slug = models.CharField(max_length=255, blank=True, default="")
    workflow_source = models.CharField(
        max_length=16, choices=WorkflowSource.choices, default=WorkflowSource.INLINE
    )
    execution = models.ForeignKey(
        "execution.WorkflowExecution", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    depends_on = models.JSONField(default=list, blank=True)
    requirements = models.JSONField(null=True, blank=True)
    estimated_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    actual_tokens = models.PositiveBigIntegerField(default=0)
    actual_usd = models.DecimalField(default=Decimal(0), **USD)
    llm_calls = models.PositiveIntegerField(default=0)
    tool_invocations = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveBigIntegerField(null=True, blank=True)
    result_summary = models.TextField(blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    retry_count = models.PositiveSmallIntegerField(default=0)
    max_retries = models.PositiveSmallIntegerField(default=2)
    notes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]  # creation order
        indexes = [models.Index(fields=["epic", "status"])]

    def __str__(self) -> str:
        return f"{self.id} {self.title}"


class TaskExecutionCost(models.Model):
    """What one execution cost one task. Recording an execution again applies only the difference."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="execution_costs")
    execution = models.ForeignKey(
        "execution.WorkflowExecution", on_delete=models.CASCADE, related_name="task_costs"
    )
    tokens = models.PositiveBigIntegerField(default=0)
    usd = models.DecimalField(default=Decimal(0), **USD)
    llm_calls = models.PositiveIntegerField(default=0)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["task", "execution"], name="task_execution_cost_once")]

    def __str__(self) -> str:
        return f"{self.task_id} <- {self.execution_id}: {self.tokens} tokens"


_E, _T = EpicStatus, TaskStatus
EPIC_TRANSITIONS: dict[str, frozenset[str]] = {
    _E.PLANNING: frozenset({_E.ACTIVE, _E.CANCELLED}),
    _E.ACTIVE: frozenset({_E.PAUSED, _E.COMPLETED, _E.FAILED, _E.CANCELLED}),
    _E.PAUSED: frozenset({_E.ACTIVE, _E.CANCELLED}),
    _E.COMPLETED: frozenset(),
    _E.FAILED: frozenset(),
    _E.CANCELLED: frozenset(),
}
EPIC_FINISHED = frozenset({_E.COMPLETED, _E.FAILED, _E.CANCELLED})
# Tasks may start only while their epic is being planned or worked on.
EPIC_ACCEPTS_RUNNING_TASKS = frozenset({_E.PLANNING, _E.ACTIVE})

TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    _T.PENDING: frozenset({_T.RUNNING, _T.BLOCKED, _T.CANCELLED}),
    _T.BLOCKED: frozenset({_T.PENDING, _T.CANCELLED}),
    _T.RUNNING: frozenset({_T.COMPLETED, _T.FAILED, _T.CANCELLED}),
    _T.FAILED: frozenset({_T.PENDING}),  # a retry
    _T.COMPLETED: frozenset(),
    _T.CANCELLED: frozenset(),
}
TASK_FINISHED = frozenset({_T.COMPLETED, _T.FAILED, _T.CANCELLED})
# Cancelling an epic cancels these.
TASK_OPEN = frozenset({_T.PENDING, _T.BLOCKED, _T.RUNNING})
