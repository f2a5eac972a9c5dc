"""Subworkflows: a parent's `workflow` node runs a child execution and waits without holding a worker.

    parent node (first run) --subworkflow_start--> child WorkflowExecution (parent_execution, depth+1)
    parent run ends `interrupted` (the node returned `_interrupt` naming the child)
    child finishes (any final status) --finish hook--> pipelit.subworkflow_notify_parent
        parent `interrupted` -> pipelit.resume_execution(parent, node, {"child_execution_id"})
        parent still `running` (the child was faster than the parent's pause) -> the task retries
        parent finished/cancelled -> nothing
    parent node (resumed) --subworkflow_result--> the child's final_output, or a clear failure

The child's id is derived from (parent execution, node), so a node that runs again (a re-delivered
task) finds its child instead of starting a second one, and a resume reads the child's real status from
the database rather than trusting the resume input. Nesting is limited by
PIPELIT_SUBWORKFLOW_MAX_DEPTH (a cycle A -> B -> A ... stops there with `subworkflow_depth_exceeded`).
Cancelling a parent cancels its children (executions.execution_cancel).
"""

from __future__ import annotations

import logging
import threading
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

from apps.workflows.models import Workflow, WorkflowNode
from apps.workflows.selectors import node_first_of_type, user_can_write

from ..models import ACTIVE_STATUSES, ExecutionStatus, WorkflowExecution
from ..results import NodeError

logger = logging.getLogger(__name__)

CHILD_NAMESPACE = uuid.UUID("6f0e8a52-3c1b-4d1e-9a57-2b8f64c0d1a3")
WORKFLOW_TRIGGER = "trigger_workflow"
DEPTH_EXCEEDED = "subworkflow_depth_exceeded"
FAILED = "subworkflow_failed"
CANCELLED = "subworkflow_cancelled"
NOT_FINISHED = "subworkflow_not_finished"
RETRY = "retry"


def child_execution_id(parent_execution_id: str, node_id: str, key: str = "") -> uuid.UUID:
    """The child of (parent, node), or of (parent, node, key) when one node starts several children
    (an agent's `spawn_and_await` keys each child by its tool call)."""
    suffix = f":{key}" if key else ""
    return uuid.uuid5(CHILD_NAMESPACE, f"{parent_execution_id}:{node_id}{suffix}")


@contextmanager
def _thread_connection():
    """Components run on LangGraph's threads: give back the thread's DB connection when done."""
    try:
        yield
    finally:
        if threading.current_thread() is not threading.main_thread():
            connection.close()


def subworkflow_start(
    *,
    parent_execution_id: str,
    node_id: str,
    target,
    payload: dict,
    trigger_node_id: str | None = None,
    key: str = "",
) -> WorkflowExecution:
    """Create (and enqueue) the child execution of this parent node; the existing one if it was created."""
    from .executions import execution_create

    with _thread_connection():
        child_id = child_execution_id(parent_execution_id, node_id, key)
        existing = WorkflowExecution.objects.filter(execution_id=child_id).first()
        if existing is not None:
            return existing
        parent = WorkflowExecution.objects.select_related("workflow__owner").get(
            execution_id=parent_execution_id
        )
        workflow = _target_workflow(parent, node_id, target)
        _check_depth(parent, workflow)
        trigger = _workflow_trigger(parent, workflow, trigger_node_id)
        return execution_create(
            workflow=workflow,
            trigger_node=trigger,
            payload={
                **payload,
                "parent_execution_id": parent_execution_id,
                "parent_workflow": parent.workflow.slug,
            },
            user=parent.triggered_by,
            execution_id=child_id,
            parent_execution=parent,
            parent_node_key=node_id,
        )


def _target_workflow(parent: WorkflowExecution, node_id: str, target) -> Workflow:
    """The node's `subworkflow` link, else `target_workflow` (slug or id); the parent's owner must be
    able to use it (owner/collaborator, or a public workflow)."""
    linked = (
        WorkflowNode.objects.filter(workflow_id=parent.workflow_id, node_id=node_id)
        .values_list("subworkflow_id", flat=True)
        .first()
    )
    alive = Workflow.objects.alive()
    if linked:
        workflow = alive.filter(pk=linked).first()
    elif target in (None, ""):
        raise NodeError("no target workflow configured (target_workflow)", "invalid_config", retryable=False)
    else:
        ref = str(target)
        workflow = alive.filter(slug=ref).first() or (
            alive.filter(pk=int(ref)).first() if ref.isdigit() else None
        )
    owner = parent.workflow.owner
    if workflow is None or not (workflow.is_public or user_can_write(user=owner, workflow=workflow)):
        raise NodeError(f"workflow {target!r} not found", "subworkflow_not_found", retryable=False)
    if not workflow.is_active:
        raise NodeError(f"workflow '{workflow.slug}' is inactive", "subworkflow_inactive", retryable=False)
    return workflow


def _check_depth(parent: WorkflowExecution, workflow: Workflow) -> None:
    limit = int(settings.PIPELIT_SUBWORKFLOW_MAX_DEPTH)
    if parent.depth + 1 <= limit:
        return
    chain = [*lineage(parent), workflow.slug]
    cycle = " (the chain is a cycle)" if workflow.slug in chain[:-1] else ""
    raise NodeError(
        f"subworkflow nesting is limited to {limit} levels{cycle}: {' -> '.join(chain)}",
        DEPTH_EXCEEDED,
        retryable=False,
    )


def lineage(execution: WorkflowExecution) -> list[str]:
    """Workflow slugs from the top-level execution down to this one."""
    slugs: list[str] = []
    current: WorkflowExecution | None = execution
    while current is not None and len(slugs) < 100:
        slugs.append(current.workflow.slug)
        current = (
            WorkflowExecution.objects.select_related("workflow")
            .filter(pk=current.parent_execution_id)
            .first()
            if current.parent_execution_id
            else None
        )
    return slugs[::-1]


def _workflow_trigger(
    parent: WorkflowExecution, workflow: Workflow, trigger_node_id: str | None
) -> WorkflowNode:
    node = node_first_of_type(workflow=workflow, component_type=WORKFLOW_TRIGGER, node_id=trigger_node_id)
    if node is None:
        raise NodeError(
            f"workflow '{workflow.slug}' has no workflow trigger", "subworkflow_no_trigger", retryable=False
        )
    config = getattr(node, "_prefetched_config", None)
    if config is not None and getattr(config, "is_active", True) is False:
        raise NodeError(
            f"trigger '{node.node_id}' of '{workflow.slug}' is inactive",
            "subworkflow_inactive",
            retryable=False,
        )
    source = ((getattr(config, "trigger_config", None) or {}) if config is not None else {}).get(
        "source_workflow"
    )
    if source and source != parent.workflow.slug:
        raise NodeError(
            f"workflow '{workflow.slug}' only accepts calls from '{source}'",
            "subworkflow_not_allowed",
            retryable=False,
        )
    return node


def subworkflow_result(*, parent_execution_id: str, node_id: str, key: str = "") -> WorkflowExecution:
    """The finished child of this parent node; NodeError when it failed, was cancelled or still runs."""
    with _thread_connection():
        child = (
            WorkflowExecution.objects.select_related("workflow")
            .filter(execution_id=child_execution_id(parent_execution_id, node_id, key))
            .first()
        )
        if child is None:
            raise NodeError("the child execution of this node does not exist", FAILED, retryable=False)
        label = f"subworkflow '{child.workflow.slug}' (execution {child.execution_id})"
        if child.status == ExecutionStatus.COMPLETED:
            return child
        if child.status == ExecutionStatus.FAILED:
            if child.error_code == DEPTH_EXCEEDED:
                raise NodeError(child.error_message, DEPTH_EXCEEDED, retryable=False)
            raise NodeError(f"{label} failed: {child.error_message}", FAILED, retryable=False)
        if child.status == ExecutionStatus.CANCELLED:
            raise NodeError(f"{label} was cancelled", CANCELLED, retryable=False)
        raise NodeError(f"{label} is still {child.status}", NOT_FINISHED, retryable=False)


def subworkflow_child_finished(execution: WorkflowExecution) -> None:
    """Finish hook: a child reached its final status -> tell its parent (on a worker, see module doc)."""
    if not execution.parent_execution_id or not execution.parent_node_key:
        return
    from ..tasks import subworkflow_notify_parent

    subworkflow_notify_parent.delay(str(execution.execution_id))


def subworkflow_notify_parent(*, child_execution_id: str) -> str:
    """Resume the parent waiting for this child -> "resumed", RETRY (parent not paused yet), or "done"."""
    from ..tasks import resume_execution

    child = (
        WorkflowExecution.objects.select_related("parent_execution")
        .filter(execution_id=child_execution_id)
        .first()
    )
    parent = child.parent_execution if child is not None else None
    if parent is None:
        return "done"
    if parent.status == ExecutionStatus.INTERRUPTED:
        resume_execution.delay(
            str(parent.execution_id), child.parent_node_key, {"child_execution_id": child_execution_id}
        )
        return "resumed"
    if parent.status in ACTIVE_STATUSES:
        return RETRY
    return "done"
