"""Error handler workflows: a failed execution starts its workflow's handler through a trigger_error node.

The handler is `workflow.error_handler_workflow`, else the workflow itself when it has a trigger_error
node. Runs started by a trigger_error never start a handler themselves (no recursion, also not through
a chain of handlers). The handler run gets this payload (`trigger.error` is the reference's object):

    {"error": {message, error_code, source_node_id, source_node_type, execution_id, workflow_slug,
               timestamp},
     "failed_execution_id", "workflow_slug", "node_id", "error_message", "error_code"}
"""

from __future__ import annotations

import logging

from django.utils import timezone

from apps.workflows.models import Workflow, WorkflowNode
from apps.workflows.selectors import node_first_of_type

from ..models import ExecutionLog, ExecutionStatus, WorkflowExecution

logger = logging.getLogger(__name__)

ERROR_TRIGGER = "trigger_error"


def _started_by_error_trigger(execution: WorkflowExecution) -> bool:
    if "failed_execution_id" in (execution.trigger_payload or {}):
        return True
    node = execution.trigger_node
    return node is not None and node.component_type == ERROR_TRIGGER


def _handler_target(workflow: Workflow) -> tuple[Workflow, WorkflowNode] | None:
    handler = workflow.error_handler_workflow
    if handler is not None and (handler.deleted_at is not None or not handler.is_active):
        return None
    handler = handler or workflow
    node = node_first_of_type(workflow=handler, component_type=ERROR_TRIGGER)
    if node is None:
        if handler.pk != workflow.pk:
            logger.warning("error handler workflow %s has no trigger_error node", handler.slug)
        return None
    config = getattr(node, "_prefetched_config", None)
    if config is not None and getattr(config, "is_active", True) is False:
        return None
    return handler, node


def error_payload(execution: WorkflowExecution) -> dict:
    failed = (
        ExecutionLog.objects.filter(execution=execution, status="failed")
        .order_by("id")
        .values("node_id", "component_type")
        .first()
    ) or {"node_id": "", "component_type": ""}
    execution_id = str(execution.execution_id)
    slug = execution.workflow.slug
    return {
        "error": {
            "message": execution.error_message,
            "error_code": execution.error_code,
            "source_node_id": failed["node_id"],
            "source_node_type": failed["component_type"],
            "execution_id": execution_id,
            "workflow_slug": slug,
            "timestamp": (execution.completed_at or timezone.now()).isoformat(),
        },
        "failed_execution_id": execution_id,
        "workflow_slug": slug,
        "node_id": failed["node_id"],
        "error_message": execution.error_message,
        "error_code": execution.error_code,
    }


def error_handler_fire(*, execution: WorkflowExecution) -> WorkflowExecution | None:
    """Start the handler run for a failed execution; None when there is none (or it must not run)."""
    from .executions import execution_create

    if execution.status != ExecutionStatus.FAILED or _started_by_error_trigger(execution):
        return None
    target = _handler_target(execution.workflow)
    if target is None:
        return None
    handler, node = target
    return execution_create(
        workflow=handler, trigger_node=node, payload=error_payload(execution), user=execution.triggered_by
    )
