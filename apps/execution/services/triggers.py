"""Trigger handlers: find the firing node (scoped to the workflow in the URL), check, create the run."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404

from apps.workflows.models import Workflow, WorkflowNode
from apps.workflows.selectors import node_first_of_type
from pipelit.api import Conflict

from ..models import WorkflowExecution
from .executions import execution_create
from .protection import protection_check

TRIGGER_NAMES = {
    "trigger_manual": "manual trigger",
    "trigger_chat": "chat trigger",
    "trigger_webhook": "webhook trigger",
    "trigger_schedule": "schedule trigger",
    "trigger_telegram": "Telegram trigger",
    "trigger_workflow": "workflow trigger",
    "trigger_error": "error trigger",
}


def trigger_node_find(
    *, workflow: Workflow, component_type: str, trigger_node_id: str | None = None
) -> WorkflowNode:
    """The workflow's trigger of this type: the one named, else the first one. 404 when none matches."""
    node = node_first_of_type(workflow=workflow, component_type=component_type, node_id=trigger_node_id)
    if node is None:
        raise Http404(f"No {TRIGGER_NAMES.get(component_type, component_type)} found.")
    return node


def trigger_check(*, workflow: Workflow, node: WorkflowNode) -> None:
    """An inactive workflow or trigger, or an open circuit, refuses to run (409); a workflow at its
    concurrency limit answers 429 (services/protection.py). All before anything is written."""
    if not workflow.is_active:
        raise Conflict("Workflow is inactive.")
    config = getattr(node, "_prefetched_config", None)
    if config is not None and getattr(config, "is_active", True) is False:
        raise Conflict(f"Trigger '{node.node_id}' is inactive.")
    protection_check(workflow=workflow)


def trigger_fire(
    *,
    workflow: Workflow,
    component_type: str,
    payload: dict[str, Any],
    user=None,
    trigger_node_id: str | None = None,
    execution_id: uuid.UUID | None = None,
    thread_id: str = "",
) -> WorkflowExecution:
    node = trigger_node_find(
        workflow=workflow, component_type=component_type, trigger_node_id=trigger_node_id
    )
    trigger_check(workflow=workflow, node=node)
    return execution_create(
        workflow=workflow,
        trigger_node=node,
        payload=payload,
        user=user,
        execution_id=execution_id,
        thread_id=thread_id,
    )
