"""Edge writes, check then do: `edge_check` validates against the graph, the writers persist and emit."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.workflows import validation
from apps.workflows.exceptions import GraphInvalid
from apps.workflows.models import Workflow, WorkflowEdge, WorkflowNode
from apps.workflows.serializers import serialize_edge
from apps.workflows.services.common import channel_for, workflow_touch
from apps.workflows.validation import EdgeDraft
from pipelit import events

EDGE_FIELDS = ("edge_type", "edge_label", "condition_mapping", "condition_value", "priority")


def _draft(edge: WorkflowEdge, source_node_id: str, target_node_id: str) -> EdgeDraft:
    return EdgeDraft(source_node_id, target_node_id, edge.edge_type, edge.edge_label, edge.condition_value)


def edge_check(
    *, workflow: Workflow, draft: EdgeDraft, exclude_pk: int | None = None
) -> tuple[WorkflowNode, WorkflowNode]:
    """Validate one edge against the stored graph; returns (source, target) or raises GraphInvalid."""
    ids = {draft.source_node_id, draft.target_node_id} - {""}
    nodes = {n.node_id: n for n in WorkflowNode.objects.filter(workflow=workflow, node_id__in=ids)}
    errors = validation.edge_errors(draft, nodes)
    if not errors:
        source, target = nodes[draft.source_node_id], nodes[draft.target_node_id]
        siblings = WorkflowEdge.objects.filter(workflow=workflow, source=source, target=target)
        if exclude_pk is not None:
            siblings = siblings.exclude(pk=exclude_pk)
        existing = [_draft(e, draft.source_node_id, draft.target_node_id) for e in siblings]
        duplicate = validation.duplicate_error(draft, existing)
        if duplicate:
            errors.append(duplicate)
    if errors:
        raise GraphInvalid(errors)
    return nodes[draft.source_node_id], nodes[draft.target_node_id]


@transaction.atomic
def edge_create(
    *,
    workflow: Workflow,
    source_node_id: str,
    target_node_id: str,
    edge_type: str = "direct",
    edge_label: str = "",
    condition_value: str = "",
    condition_mapping: dict | None = None,
    priority: int = 0,
) -> WorkflowEdge:
    draft = EdgeDraft(source_node_id, target_node_id, edge_type, edge_label, condition_value)
    source, target = edge_check(workflow=workflow, draft=draft)
    edge = WorkflowEdge.objects.create(
        workflow=workflow,
        source=source,
        target=target,
        edge_type=edge_type,
        edge_label=edge_label,
        condition_value=condition_value,
        condition_mapping=condition_mapping,
        priority=priority,
    )
    edge.source_key, edge.target_key = source.node_id, target.node_id
    workflow_touch(workflow=workflow)
    events.broadcast_on_commit(channel_for(workflow), "edge_created", serialize_edge(edge))
    return edge


@transaction.atomic
def edge_update(*, workflow: Workflow, edge: WorkflowEdge, **changes: Any) -> WorkflowEdge:
    """Partial update; `edge` comes from `selectors.edge_get` (endpoint keys annotated)."""
    source_key = changes.pop("source_node_id", edge.source_key)
    target_key = changes.pop("target_node_id", edge.target_key)
    for key, value in changes.items():
        if key not in EDGE_FIELDS:
            raise TypeError(f"unexpected edge field: {key}")
        setattr(edge, key, value)
    draft = _draft(edge, source_key, target_key)
    edge.source, edge.target = edge_check(workflow=workflow, draft=draft, exclude_pk=edge.pk)
    edge.source_key, edge.target_key = source_key, target_key
    edge.save()
    workflow_touch(workflow=workflow)
    events.broadcast_on_commit(channel_for(workflow), "edge_updated", serialize_edge(edge))
    return edge


@transaction.atomic
def edge_delete(*, workflow: Workflow, edge: WorkflowEdge) -> None:
    edge_id = edge.pk
    edge.delete()
    workflow_touch(workflow=workflow)
    events.broadcast_on_commit(channel_for(workflow), "edge_deleted", {"id": edge_id})
