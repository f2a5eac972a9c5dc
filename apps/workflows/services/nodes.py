"""Node writes: every node is created with its config; deleting a node deletes its edges."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from rest_framework.exceptions import ValidationError

from apps.workflows import registry, selectors
from apps.workflows.exceptions import AlreadyExists
from apps.workflows.models import Workflow, WorkflowEdge, WorkflowNode
from apps.workflows.serializers import serialize_node
from apps.workflows.services.common import channel_for, workflow_touch
from apps.workflows.services.configs import config_create, config_replace, config_values
from pipelit import events

NODE_FIELDS = (
    "label",
    "is_entry_point",
    "interrupt_before",
    "interrupt_after",
    "position_x",
    "position_y",
)


def node_id_generate(*, workflow: Workflow, component_type: str) -> str:
    """`<component_type>_<short id>`, unique within the workflow."""
    while True:
        candidate = f"{component_type}_{secrets.token_hex(3)}"
        if not WorkflowNode.objects.filter(workflow=workflow, node_id=candidate).exists():
            return candidate


def _check_node_id_free(*, workflow: Workflow, node_id: str) -> None:
    if WorkflowNode.objects.filter(workflow=workflow, node_id=node_id).exists():
        raise AlreadyExists(f"Node '{node_id}' already exists in this workflow.")


def _subworkflow(subworkflow_id: int | None, *, user) -> int | None:
    """A node may call a workflow its editor can see: owned, shared with them, or public."""
    if subworkflow_id is None:
        return None
    target = Workflow.objects.alive().filter(pk=subworkflow_id).first()
    if target is None or not (target.is_public or selectors.user_can_write(user=user, workflow=target)):
        raise ValidationError({"subworkflow_id": "Workflow not found."})
    return subworkflow_id


def _save_node(node: WorkflowNode, **kwargs) -> None:
    try:
        with transaction.atomic():
            node.save(**kwargs)
    except IntegrityError as exc:
        raise AlreadyExists(f"Node '{node.node_id}' already exists in this workflow.") from exc


@transaction.atomic
def node_create(
    *,
    workflow: Workflow,
    component_type: str,
    node_id: str | None = None,
    config: dict[str, Any] | None = None,
    subworkflow_id: int | None = None,
    user=None,
    **fields: Any,
) -> WorkflowNode:
    """`user` is who edits (defaults to the owner); it bounds which workflows a node may call."""
    registry.get(component_type)
    values = config_values(component_type=component_type, data=config or {})
    if node_id:
        _check_node_id_free(workflow=workflow, node_id=node_id)
    else:
        node_id = node_id_generate(workflow=workflow, component_type=component_type)
    node = WorkflowNode(
        workflow=workflow,
        node_id=node_id,
        component_type=component_type,
        subworkflow_id=_subworkflow(subworkflow_id, user=user or workflow.owner),
        **{k: v for k, v in fields.items() if k in NODE_FIELDS},
    )
    _save_node(node, force_insert=True)
    node._prefetched_config = config_create(node=node, values=values)
    workflow_touch(workflow=workflow)
    events.broadcast_on_commit(channel_for(workflow), "node_created", serialize_node(node))
    return node


def _apply_config(node: WorkflowNode, *, old_type: str, config: dict[str, Any] | None) -> None:
    old = node._prefetched_config
    values = config_values(component_type=node.component_type, data=config or {})
    old_kind = registry.find(old_type).config_kind if registry.find(old_type) else None
    if old is None or old_kind != registry.get(node.component_type).config_kind:
        node._prefetched_config = config_replace(node=node, old=old, values=values)
        return
    if values:
        for key, value in values.items():
            setattr(old, key, value)
        old.save(update_fields=list(values))


@transaction.atomic
def node_update(*, workflow: Workflow, node: WorkflowNode, user=None, **changes: Any) -> WorkflowNode:
    """Partial update. `node` must come from `selectors.node_get` (config attached)."""
    old_type = node.component_type
    if "component_type" in changes:
        registry.get(changes["component_type"])
        node.component_type = changes.pop("component_type")
    new_id = changes.pop("node_id", None)
    if new_id and new_id != node.node_id:
        _check_node_id_free(workflow=workflow, node_id=new_id)
        node.node_id = new_id  # edges reference the row, so they follow the rename
    if "subworkflow_id" in changes:
        node.subworkflow_id = _subworkflow(changes.pop("subworkflow_id"), user=user or workflow.owner)
    config = changes.pop("config", None)
    for key, value in changes.items():
        if key not in NODE_FIELDS:
            raise TypeError(f"unexpected node field: {key}")
        setattr(node, key, value)
    _save_node(node)
    if config is not None or node.component_type != old_type:
        _apply_config(node, old_type=old_type, config=config)
    workflow_touch(workflow=workflow)
    events.broadcast_on_commit(channel_for(workflow), "node_updated", serialize_node(node))
    return node


@transaction.atomic
def node_delete(*, workflow: Workflow, node: WorkflowNode) -> None:
    edge_ids = list(
        WorkflowEdge.objects.filter(workflow=workflow)
        .filter(Q(source=node) | Q(target=node))
        .values_list("pk", flat=True)
    )
    WorkflowEdge.objects.filter(pk__in=edge_ids).delete()
    node_id = node.node_id
    node.delete()
    workflow_touch(workflow=workflow)
    channel = channel_for(workflow)
    for edge_id in edge_ids:
        events.broadcast_on_commit(channel, "edge_deleted", {"id": edge_id})
    events.broadcast_on_commit(channel, "node_deleted", {"node_id": node_id})
