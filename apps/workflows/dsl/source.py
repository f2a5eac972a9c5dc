"""A stored workflow as a GraphDraft (fork source, decompiler input) and the workflow_create tool's parent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.workflows import selectors
from apps.workflows.dsl.draft import DraftEdge, DraftNode, GraphDraft
from apps.workflows.models import Workflow
from apps.workflows.serializers import serialize_config

META_FIELDS = ("name", "description", "tags", "input_schema", "output_schema", "max_execution_seconds")


def node_config(node) -> dict[str, Any]:
    config = serialize_config(node._prefetched_config)
    config.pop("llm_credential_id", None)  # the same value as credential_id, under the reference's name
    config["extra_config"] = dict(config.get("extra_config") or {})
    return config


def draft_from_workflow(workflow: Workflow) -> GraphDraft:
    graph = selectors.workflow_graph(workflow=workflow)
    slugs = dict(
        Workflow.objects.filter(
            pk__in={n.subworkflow_id for n in graph.nodes if n.subworkflow_id}
        ).values_list("pk", "slug")
    )
    draft = GraphDraft(meta={key: getattr(workflow, key) for key in META_FIELDS})
    for node in graph.nodes:
        draft.add_node(
            DraftNode(
                node_id=node.node_id,
                component_type=node.component_type,
                path=f"nodes.{node.node_id}",
                config=node_config(node),
                label=node.label,
                position=(node.position_x, node.position_y),
                flags={
                    key: getattr(node, key)
                    for key in ("is_entry_point", "interrupt_before", "interrupt_after")
                    if getattr(node, key)
                },
                subworkflow_slug=slugs.get(node.subworkflow_id),
            )
        )
    for edge in graph.edges:
        draft.edges.append(
            DraftEdge(
                edge.source_key,
                edge.target_key,
                f"edges.{edge.source_key}->{edge.target_key}",
                edge_type=edge.edge_type,
                edge_label=edge.edge_label,
                condition_value=edge.condition_value,
                priority=edge.priority,
            )
        )
    return draft


@dataclass
class Parent:
    """Where `inherit` looks: the agent node that owns the workflow_create tool, in its workflow."""

    workflow: Workflow
    node_id: str
    draft: GraphDraft

    @classmethod
    def of(cls, workflow: Workflow, node_id: str) -> Parent:
        return cls(workflow=workflow, node_id=node_id, draft=draft_from_workflow(workflow))

    def model_config(self) -> dict[str, Any] | None:
        models = self.draft.attached(self.node_id, "llm")
        if not models:
            return None
        config = dict(models[0].config)
        config.pop("extra_config", None)
        return {k: v for k, v in config.items() if v not in (None, "")}

    def tool_config(self, component_type: str) -> dict[str, Any] | None:
        for tool in self.draft.attached(self.node_id, "tool"):
            if tool.component_type == component_type:
                return dict(tool.extra)
        return None

    def trigger_credential(self, component_type: str) -> int | None:
        for node in self.draft.nodes.values():
            if node.component_type == component_type and node.config.get("credential_id"):
                return node.config["credential_id"]
        return None
