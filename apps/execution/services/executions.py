"""Execution lifecycle: create + enqueue (web side), run + finalise (worker side), cancel, delete."""

from __future__ import annotations

import logging
import socket
import uuid
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.workflows.models import Workflow, WorkflowNode
from pipelit import events

from .. import cancel_flags
from ..hooks import run_finish_hooks
from ..models import ACTIVE_STATUSES, ExecutionStatus, WorkflowExecution
from ..reporting import DbReporter, execution_channels, jsonable
from ..snapshots import graph_snapshot

logger = logging.getLogger(__name__)

FINISH_EVENT = {
    ExecutionStatus.COMPLETED: "execution_completed",
    ExecutionStatus.FAILED: "execution_failed",
    ExecutionStatus.CANCELLED: "execution_cancelled",
}


def execution_enqueue(execution: WorkflowExecution) -> None:
    """Send the run to a worker once the creating transaction has committed."""
    from ..tasks import execute_workflow

    execution_id = str(execution.execution_id)
    transaction.on_commit(lambda: execute_workflow.delay(execution_id))


@transaction.atomic
def execution_create(
    *,
    workflow: Workflow,
    trigger_node: WorkflowNode,
    payload: dict[str, Any],
    user=None,
    execution_id: uuid.UUID | None = None,
    parent_execution: WorkflowExecution | None = None,
    parent_node_key: str = "",
    thread_id: str = "",
    enqueue: bool = True,
) -> WorkflowExecution:
    execution = WorkflowExecution.objects.create(
        execution_id=execution_id or uuid.uuid4(),
        workflow=workflow,
        trigger_node=trigger_node,
        trigger_node_key=trigger_node.node_id,
        triggered_by=user,
        trigger_payload=jsonable(payload),
        parent_execution=parent_execution,
        parent_node_key=parent_node_key,
        depth=(parent_execution.depth + 1) if parent_execution else 0,
        thread_id=thread_id,
    )
    if enqueue:
        execution_enqueue(execution)
    return execution


def _claim(execution_id: str) -> WorkflowExecution | None:
    """pending -> running, exactly once; a redelivered task for a claimed run gets None."""
    now = timezone.now()
    claimed = WorkflowExecution.objects.filter(
        execution_id=execution_id, status=ExecutionStatus.PENDING
    ).update(
        status=ExecutionStatus.RUNNING, started_at=now, worker_hostname=socket.gethostname(), heartbeat_at=now
    )
    if not claimed:
        return None
    return WorkflowExecution.objects.select_related("workflow").get(execution_id=execution_id)


def execution_run(*, execution_id: str) -> WorkflowExecution | None:
    """Worker side: run the graph from the trigger node and finalise. Idempotent per execution."""
    execution = _claim(execution_id)
    if execution is None:
        return None
    channels = execution_channels(execution)
    events.broadcast_many(
        channels,
        "execution_started",
        {
            "execution_id": execution_id,
            "workflow_slug": execution.workflow.slug,
            "trigger_node_id": execution.trigger_node_key,
        },
    )
    from ..orchestrator import run_graph  # LangGraph loads in workers only, not in web or beat

    snapshot = graph_snapshot(workflow=execution.workflow)
    reporter = DbReporter(execution, {n.node_id: n.component_type for n in snapshot.nodes})
    outcome = run_graph(
        snapshot, execution.trigger_node_key, execution.trigger_payload, reporter, execution_id=execution_id
    )
    return execution_finalize(execution=execution, outcome=outcome)


def execution_finalize(*, execution: WorkflowExecution, outcome) -> WorkflowExecution:
    status = ExecutionStatus(outcome.status)
    usage = outcome.token_usage or {}
    now = timezone.now()
    started = execution.started_at or now
    fields = {
        "status": status,
        "final_output": jsonable(outcome.final_output),
        "error_message": outcome.error or "",
        "error_code": outcome.error_code or "",
        "completed_at": now,
        "duration_ms": int((now - started).total_seconds() * 1000),
        "total_tokens": int(usage.get("total_tokens", 0) or 0),
        "total_cost_usd": Decimal(str(usage.get("cost_usd", 0) or 0)),
        "llm_calls": int(usage.get("llm_calls", 0) or 0),
    }
    # A cancel that landed while we ran has already written the final status: keep it.
    updated = WorkflowExecution.objects.filter(pk=execution.pk, status=ExecutionStatus.RUNNING).update(
        **fields
    )
    cancel_flags.clear(execution.execution_id)
    execution.refresh_from_db()
    if updated:
        _broadcast_finish(execution)
        run_finish_hooks(execution)
    return execution


def _broadcast_finish(execution: WorkflowExecution) -> None:
    data = {
        "execution_id": str(execution.execution_id),
        "status": execution.status,
        "duration_ms": execution.duration_ms,
        "final_output": execution.final_output,
    }
    if execution.status == ExecutionStatus.FAILED:
        data.update(error=execution.error_message, error_code=execution.error_code)
    events.broadcast_many(
        execution_channels(execution), FINISH_EVENT[ExecutionStatus(execution.status)], data
    )


@transaction.atomic
def execution_cancel(*, execution: WorkflowExecution) -> WorkflowExecution:
    """pending/running/interrupted -> cancelled; finished executions come back unchanged."""
    locked = WorkflowExecution.objects.select_for_update().select_related("workflow").get(pk=execution.pk)
    if locked.status not in ACTIVE_STATUSES:
        return locked
    now = timezone.now()
    locked.status = ExecutionStatus.CANCELLED
    locked.completed_at = now
    if locked.started_at:
        locked.duration_ms = int((now - locked.started_at).total_seconds() * 1000)
    locked.save(update_fields=["status", "completed_at", "duration_ms"])
    execution_id = str(locked.execution_id)
    transaction.on_commit(lambda: cancel_flags.request_cancel(execution_id))
    transaction.on_commit(lambda: _broadcast_finish(locked))
    transaction.on_commit(lambda: run_finish_hooks(locked))
    for child in locked.child_executions.filter(status__in=ACTIVE_STATUSES):
        execution_cancel(execution=child)
    return locked


@transaction.atomic
def execution_batch_delete(*, executions) -> int:
    deleted, _ = executions.delete()
    return deleted
