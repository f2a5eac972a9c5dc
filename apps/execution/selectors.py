"""Reads of executions, scoped to the workflows a user may see."""

from __future__ import annotations

import uuid
from functools import lru_cache

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404

from apps.workflows.models import TriggerConfig, Workflow, WorkflowNode
from apps.workflows.selectors import workflow_visible_q
from pipelit import sql

from .models import ExecutionLog, ScheduledJob, WorkflowExecution


def _visible_workflow_ids(user):
    return Workflow.objects.filter(workflow_visible_q(user)).values("pk")


def execution_list(
    *, user, workflow_slug: str | None = None, status: str | None = None
) -> QuerySet[WorkflowExecution]:
    executions = WorkflowExecution.objects.filter(workflow_id__in=_visible_workflow_ids(user)).select_related(
        "workflow"
    )
    if workflow_slug:
        executions = executions.filter(workflow__slug=workflow_slug)
    if status:
        executions = executions.filter(status=status)
    return executions.order_by("-created_at", "-id")


def execution_get_for_user(*, user, execution_id) -> WorkflowExecution:
    try:
        key = uuid.UUID(str(execution_id))
    except ValueError:
        raise Http404("Execution not found.") from None
    execution = (
        WorkflowExecution.objects.filter(execution_id=key, workflow_id__in=_visible_workflow_ids(user))
        .select_related("workflow")
        .first()
    )
    if execution is None:
        raise Http404("Execution not found.")
    return execution


def execution_logs(*, execution: WorkflowExecution) -> list[ExecutionLog]:
    return list(ExecutionLog.objects.filter(execution=execution).order_by("id"))


def execution_subscribable(user, execution_id: str) -> bool:
    """May `user` listen to `execution:<id>` events? Same rule as reading the execution."""
    return execution_visible(user=user, execution_id=execution_id)


def execution_visible(*, user, execution_id: str) -> bool:
    try:
        execution_get_for_user(user=user, execution_id=execution_id)
    except Http404:
        return False
    return True


def schedule_list(*, user) -> QuerySet[ScheduledJob]:
    """Scheduled jobs of the workflows `user` may see, newest first."""
    workflows = Workflow.objects.alive().filter(workflow_visible_q(user)).values("pk")
    return (
        ScheduledJob.objects.filter(workflow__in=workflows)
        .select_related("trigger_node", "workflow")
        .order_by("-created_at", "pk")
    )


def schedule_get_for_user(*, user, job_id) -> ScheduledJob:
    try:
        job = schedule_list(user=user).filter(pk=job_id).first()
    except (ValueError, DjangoValidationError):  # not a UUID
        job = None
    if job is None:
        raise Http404("Scheduled job not found.")
    return job


def latest_node_statuses(*, workflow) -> dict[str, dict]:
    """node_id -> the `node_status` event data of the workflow's latest execution, rebuilt from its
    logs (the last log of a node wins); nodes not reached yet are `pending` while it still runs."""
    execution = WorkflowExecution.objects.filter(workflow=workflow).order_by("-created_at", "-id").first()
    if execution is None:
        return {}
    execution_id = str(execution.execution_id)
    statuses: dict[str, dict] = {}
    if not execution.is_finished:
        for node_id in workflow.nodes.values_list("node_id", flat=True):
            statuses[node_id] = {"execution_id": execution_id, "node_id": node_id, "status": "pending"}
    fields = ("node_id", "status", "output", "error", "error_code")
    logs = ExecutionLog.objects.filter(execution=execution).order_by("id").values_list(*fields)
    for row in logs:
        statuses[row[0]] = {"execution_id": execution_id, **dict(zip(fields, row, strict=True))}
    return statuses


WORKFLOW_FIELDS = (
    "id", "slug", "owner_id", "is_active", "is_public", "deleted_at", "max_concurrent_executions",
    "circuit_failure_threshold", "consecutive_failures", "circuit_opened_at",
)  # fmt: skip
NODE_FIELDS = ("id", "node_id", "component_type")
CONFIG_FIELDS = ("componentconfig_ptr_id", "is_active", "trigger_config")
_SENTINELS = {"slug": "\x00slug\x00", "component_type": "\x00type\x00", "node_id": "\x00node\x00"}


@lru_cache(maxsize=8)
def _trigger_target_query(alias: str, by_node_id: bool) -> sql.CompiledSelect:
    """trigger_target_find's query, compiled once per database and shape."""
    nodes = WorkflowNode.objects.using(alias).filter(
        workflow__slug=_SENTINELS["slug"],
        workflow__deleted_at__isnull=True,
        component_type=_SENTINELS["component_type"],
    )
    if by_node_id:
        nodes = nodes.filter(node_id=_SENTINELS["node_id"])
    columns = (
        *(f"workflow__{name}" for name in WORKFLOW_FIELDS),
        *NODE_FIELDS,
        *(f"config__triggerconfig__{name}" for name in CONFIG_FIELDS),
    )
    sentinels = _SENTINELS if by_node_id else {k: v for k, v in _SENTINELS.items() if k != "node_id"}
    return sql.compile_select(nodes.order_by("id").values_list(*columns)[:1], sentinels)


def trigger_target_find(
    *, user, slug: str, component_type: str, trigger_node_id: str | None = None
) -> WorkflowNode | None:
    """The alive workflow `slug` owned by `user` and its first trigger of this type, in one query
    compiled once: node.workflow and node._prefetched_config as workflow_get_for_user +
    node_first_of_type give them (only the fields triggers read are loaded; the rest are deferred).
    None when any of that does not hold; the caller then takes the two-step lookup, which says why."""
    alias = WorkflowNode.objects.db
    query = _trigger_target_query(alias, bool(trigger_node_id))
    row = sql.select_row(query, slug=slug, component_type=component_type, node_id=trigger_node_id)
    if row is None:
        return None
    w, n = len(WORKFLOW_FIELDS), len(WORKFLOW_FIELDS) + len(NODE_FIELDS)
    workflow = sql.loaded(Workflow, alias, WORKFLOW_FIELDS, row[:w])
    if workflow.owner_id != user.pk or row[n] is None:  # not the owner, or no trigger config
        return None
    node = sql.loaded(WorkflowNode, alias, (*NODE_FIELDS, "workflow_id"), (*row[w:n], workflow.pk))
    node.workflow = workflow
    config = sql.loaded(TriggerConfig, alias, (*CONFIG_FIELDS, "node_id"), (*row[n:], node.pk))
    config.node = node
    node._prefetched_config = config
    return node
