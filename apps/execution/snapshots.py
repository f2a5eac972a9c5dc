"""ORM -> GraphSnapshot, cached per (workflow, updated_at): a run costs one small query when unchanged."""

from __future__ import annotations

import threading
from collections import OrderedDict

from apps.workflows import selectors as workflow_selectors
from apps.workflows.models import Workflow
from apps.workflows.serializers import serialize_config

from .graph import EdgeSnapshot, GraphSnapshot, NodeSnapshot

_CACHE_SIZE = 256
_cache: OrderedDict[tuple, GraphSnapshot] = OrderedDict()
_lock = threading.Lock()


def graph_snapshot(*, workflow: Workflow) -> GraphSnapshot:
    key = (
        workflow.pk,
        workflow.updated_at.isoformat() if workflow.updated_at else "",
        workflow.slug,
        workflow.max_execution_seconds,
    )
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    snapshot = build_snapshot(workflow=workflow)
    with _lock:
        _cache[key] = snapshot
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return snapshot


def node_config(config_row) -> dict:
    """What components read: the type's `extra_config` keys flattened with the config columns
    (columns win), e.g. a switch's `rules` next to a code node's `code`."""
    columns = serialize_config(config_row)
    extra = columns.pop("extra_config", None) or {}
    columns.pop("llm_credential_id", None)
    return {**extra, **columns}


def build_snapshot(*, workflow: Workflow) -> GraphSnapshot:
    graph = workflow_selectors.workflow_graph(workflow=workflow)
    nodes = []
    for node in graph.nodes:
        config = node_config(node._prefetched_config)
        extra = config
        nodes.append(
            NodeSnapshot(
                node_id=node.node_id,
                component_type=node.component_type,
                config=config,
                label=node.label,
                is_entry_point=node.is_entry_point,
                interrupt_before=node.interrupt_before,
                interrupt_after=node.interrupt_after,
                subworkflow_id=node.subworkflow_id,
                max_retries=int(extra.get("max_retries", 0) or 0),
            )
        )
    edges = [
        EdgeSnapshot(
            source=edge.source_key,
            target=edge.target_key,
            edge_type=edge.edge_type,
            edge_label=edge.edge_label,
            condition_value=edge.condition_value,
            priority=edge.priority,
        )
        for edge in graph.edges
    ]
    return GraphSnapshot(
        workflow_slug=workflow.slug,
        nodes=nodes,
        edges=edges,
        max_execution_seconds=workflow.max_execution_seconds,
    )
