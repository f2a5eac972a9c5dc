"""Executions of workflows and one log row per node run."""

import uuid

from django.conf import settings
from django.db import models


class ExecutionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    INTERRUPTED = "interrupted", "Interrupted"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED_STATUSES = (ExecutionStatus.COMPLETED, ExecutionStatus.FAILED, ExecutionStatus.CANCELLED)
ACTIVE_STATUSES = (ExecutionStatus.PENDING, ExecutionStatus.RUNNING, ExecutionStatus.INTERRUPTED)


class WorkflowExecution(models.Model):
    execution_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE, related_name="executions")
    trigger_node = models.ForeignKey(
        "workflows.WorkflowNode", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too: the node may be deleted while its executions stay in the history.
    trigger_node_key = models.CharField(max_length=255, blank=True, default="")
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="executions"
    )
    status = models.CharField(max_length=16, choices=ExecutionStatus.choices, default=ExecutionStatus.PENDING)
    trigger_payload = models.JSONField(default=dict, blank=True)
    final_output = models.JSONField(null=True, blank=True)
    error_message = models.TextField(blank=True, default="")
    error_code = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    total_tokens = models.PositiveIntegerField(default=0)
    total_cost_usd = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    llm_calls = models.PositiveIntegerField(default=0)
    parent_execution = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="child_executions"
    )
    parent_node_key = models.CharField(max_length=255, blank=True, default="")
    depth = models.PositiveSmallIntegerField(default=0)
    thread_id = models.CharField(max_length=255, blank=True, default="")
    # An internal event channel that also gets this run's finish event: the process of a caller waiting
    # for it (apps/execution/waiting.py).
    finish_channel = models.CharField(max_length=100, blank=True, default="")
    # Set by the worker that owns the run; the watchdog uses it to find runs whose worker died.
    worker_hostname = models.CharField(max_length=255, blank=True, default="")
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workflow", "-created_at"]),
            models.Index(fields=["status", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.execution_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES


class LogStatus(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    WAITING = "waiting", "Waiting"
    INTERRUPTED = "interrupted", "Interrupted"


class ExecutionLog(models.Model):
    execution = models.ForeignKey(WorkflowExecution, on_delete=models.CASCADE, related_name="logs")
    node_id = models.CharField(max_length=255)
    component_type = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=16, choices=LogStatus.choices)
    input = models.JSONField(null=True, blank=True)
    output = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    error_code = models.CharField(max_length=64, null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    retry_count = models.PositiveSmallIntegerField(default=0)
    timestamp = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["execution", "node_id"])]

    def __str__(self) -> str:
        return f"{self.node_id}: {self.status}"


class ScheduleStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    DONE = "done", "Done"
    DEAD = "dead", "Dead"


class ScheduledJob(models.Model):
    """A recurring run of a workflow through one of its trigger_schedule nodes.

    The semantics (next run, backoff, transitions) live in apps.execution.scheduling; this row is its
    stored state. Beat fires one `pipelit.schedules_tick` entry (a django-celery-beat PeriodicTask)
    that claims due jobs; see apps.execution.services.schedules.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    workflow = models.ForeignKey(
        "workflows.Workflow", on_delete=models.CASCADE, related_name="scheduled_jobs"
    )
    # Deleting the trigger_schedule node deletes its job.
    trigger_node = models.ForeignKey(
        "workflows.WorkflowNode", on_delete=models.CASCADE, related_name="scheduled_jobs"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interval_seconds = models.PositiveIntegerField()
    cron = models.CharField(max_length=255, blank=True, default="")
    timezone = models.CharField(max_length=64, default="UTC")
    total_repeats = models.PositiveIntegerField(default=0)
    max_retries = models.PositiveIntegerField(default=3)
    timeout_seconds = models.PositiveIntegerField(default=600)
    trigger_payload = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=ScheduleStatus.choices, default=ScheduleStatus.ACTIVE)
    anchor_at = models.DateTimeField()
    current_repeat = models.PositiveIntegerField(default=0)
    current_retry = models.PositiveIntegerField(default=0)
    run_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_run_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class ScheduledRun(models.Model):
    """One fired tick of a job. The unique (job, tick) key makes each tick fire at most once, whichever
    beat process or tick task gets there first."""

    job = models.ForeignKey(ScheduledJob, on_delete=models.CASCADE, related_name="runs")
    tick = models.DateTimeField()
    execution = models.OneToOneField(
        WorkflowExecution, null=True, blank=True, on_delete=models.SET_NULL, related_name="scheduled_run"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, blank=True, default="")  # success | failure

    class Meta:
        ordering = ["-tick"]
        constraints = [models.UniqueConstraint(fields=["job", "tick"], name="scheduled_run_once_per_tick")]

    def __str__(self) -> str:
        return f"{self.job_id} @ {self.tick.isoformat()}"
