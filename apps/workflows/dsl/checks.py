"""The same checks REST applies, run on the whole draft before anything is written."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError

from apps.workflows import registry, validation
from apps.workflows.dsl.draft import GraphDraft
from apps.workflows.dsl.errors import Problems
from apps.workflows.services.configs import config_values
from apps.workflows.services.io import flatten


def check_draft(draft: GraphDraft, problems: Problems) -> None:
    for node in draft.nodes.values():
        try:
            config_values(component_type=node.component_type, data=node.config)
        except ValidationError as exc:
            for message in flatten(exc.detail):
                problems.add(node.path, message)
    seen: set[tuple] = set()
    fed: set[tuple[str, str]] = set()
    for edge in draft.edges:
        draft_edge = validation.EdgeDraft(
            edge.source, edge.target, edge.edge_type, edge.edge_label, edge.condition_value
        )
        for message in validation.edge_errors(draft_edge, draft.nodes):
            problems.add(edge.path, message)
        if edge.key in seen:
            problems.add(edge.path, f"Edge from '{edge.source}' to '{edge.target}' already exists")
        seen.add(edge.key)
        fed.add((edge.target, edge.edge_label))
    for node in draft.nodes.values():
        for sub in registry.get(node.component_type).required_sub_inputs:
            label = registry.SUB_INPUT_EDGE_LABEL[sub]
            if (node.node_id, label) not in fed:
                hint = " (set `model:` on the step or at the top level)" if label == "llm" else ""
                problems.add(node.path, f"Node '{node.node_id}' is missing required '{sub}' connection{hint}")


def warnings_of(draft: GraphDraft) -> list[str]:
    edges = [
        validation.EdgeDraft(e.source, e.target, e.edge_type, e.edge_label, e.condition_value)
        for e in draft.edges
    ]
    return validation.graph_warnings(draft.nodes.values(), edges)
