"""Build workflows for engine tests from a compact description, through the real import service."""

from __future__ import annotations

import itertools
from typing import Any

from apps.workflows.models import Workflow
from apps.workflows.services import workflow_import

_counter = itertools.count(1)


def build_workflow(
    *, owner, nodes: dict[str, dict], edges: list[tuple], slug: str | None = None, **workflow_fields: Any
) -> Workflow:
    """nodes: {node_id: {"component_type": ..., "config": {...}}}; edges: (source, target[, {edge fields}])."""
    slug = slug or f"flow-{next(_counter)}"
    document = {
        "format": "pipelit.workflow",
        "version": 1,
        "workflow": {"name": slug, "slug": slug, **workflow_fields},
        "nodes": [
            {
                "node_id": node_id,
                "component_type": spec["component_type"],
                "config": spec.get("config", {}),
                **{k: v for k, v in spec.items() if k not in {"component_type", "config"}},
            }
            for node_id, spec in nodes.items()
        ],
        "edges": [
            {"source_node_id": edge[0], "target_node_id": edge[1], **(edge[2] if len(edge) > 2 else {})}
            for edge in edges
        ],
    }
    workflow, _warnings = workflow_import(owner=owner, document=document, slug=slug)
    return workflow


def code_chain(*, owner, count: int = 5, trigger: str = "trigger_manual", **kwargs) -> Workflow:
    """trigger -> code_1 -> ... -> code_N, each adding 1 to the previous node's output (code_1 starts at 1)."""
    nodes: dict[str, dict] = {"trigger": {"component_type": trigger}}
    edges: list[tuple] = []
    previous = "trigger"
    for i in range(1, count + 1):
        source = "result = 1" if i == 1 else f"result = node_outputs['code_{i - 1}']['output'] + 1"
        nodes[f"code_{i}"] = {"component_type": "code", "config": {"code": source}}
        edges.append((previous, f"code_{i}"))
        previous = f"code_{i}"
    return build_workflow(owner=owner, nodes=nodes, edges=edges, **kwargs)
