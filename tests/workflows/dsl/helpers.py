"""Graph comparison and fixture loading shared by the DSL tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from apps.workflows import selectors
from apps.workflows.dsl.draft import split_config
from apps.workflows.models import Workflow
from apps.workflows.serializers import serialize_config
from tests.execution.builders import build_workflow

ROOT = Path(__file__).resolve().parents[2]


def graph_of(workflow: Workflow) -> dict[str, Any]:
    """Everything that makes two workflows the same graph (not their ids, slugs or timestamps)."""
    graph = selectors.workflow_graph(workflow=workflow)
    nodes = {}
    for node in graph.nodes:
        config = serialize_config(node._prefetched_config)
        config.pop("llm_credential_id", None)
        nodes[node.node_id] = {
            "component_type": node.component_type,
            "config": config,
            "label": node.label,
            "position": (node.position_x, node.position_y),
            "flags": (node.is_entry_point, node.interrupt_before, node.interrupt_after),
            "subworkflow_id": node.subworkflow_id,
        }
    edges = sorted(
        (e.source_key, e.target_key, e.edge_type, e.edge_label, e.condition_value, e.priority)
        for e in graph.edges
    )
    return {"nodes": nodes, "edges": edges}


def edge_set(workflow: Workflow) -> set[tuple]:
    return {(s, t, typ, label, cond) for s, t, typ, label, cond, _p in graph_of(workflow)["edges"]}


def node_types(workflow: Workflow) -> dict[str, str]:
    return {node_id: n["component_type"] for node_id, n in graph_of(workflow)["nodes"].items()}


def fixture_paths() -> list[Path]:
    """Every workflow fixture of the suite (YAML files with nodes under some tests/**/fixtures/)."""
    paths = []
    for path in sorted(ROOT.glob("**/fixtures/*.yaml")):
        data = yaml.safe_load(path.read_text())
        if isinstance(data, dict) and isinstance(data.get("nodes"), list):
            paths.append(path)
    return paths


def build_fixture(path: Path, *, owner) -> Workflow:
    """A fixture file (engine format: flat configs) stored through the import service."""
    data = yaml.safe_load(path.read_text())
    nodes = {}
    for item in data["nodes"]:
        spec = {
            "component_type": item["type"],
            "config": split_config(item["type"], item.get("config") or {}),
        }
        for key in ("label", "is_entry_point", "interrupt_before", "interrupt_after"):
            if key in item:
                spec[key] = item[key]
        nodes[str(item["id"])] = spec
    edges = []
    for item in data.get("edges", []):
        if isinstance(item, str):
            source, _, target = item.partition("->")
            edges.append((source.strip(), target.strip()))
            continue
        fields = {"edge_label": item.get("label", ""), "priority": item.get("priority", 0)}
        if item.get("condition") is not None:
            fields.update(edge_type="conditional", condition_value=str(item["condition"]))
        edges.append((item["source"], item["target"], fields))
    return build_workflow(owner=owner, nodes=nodes, edges=edges, slug=f"fx-{path.stem.replace('_', '-')}")


def draft_from_fixture(path: Path):
    """The fixture as an in-memory GraphDraft (no database, no REST edge checks)."""
    from apps.workflows.dsl.draft import DraftEdge, DraftNode, GraphDraft

    data = yaml.safe_load(path.read_text())
    draft = GraphDraft(meta={"name": path.stem})
    for item in data["nodes"]:
        draft.add_node(
            DraftNode(
                node_id=str(item["id"]),
                component_type=item["type"],
                path=str(item["id"]),
                config=split_config(item["type"], item.get("config") or {}),
                label=str(item.get("label", "")),
                position=(0.0, 0.0),
            )
        )
    for item in data.get("edges", []):
        if isinstance(item, str):
            source, _, target = item.partition("->")
            draft.edges.append(DraftEdge(source.strip(), target.strip(), "edges"))
            continue
        condition = item.get("condition")
        draft.edges.append(
            DraftEdge(
                item["source"],
                item["target"],
                "edges",
                edge_type="conditional" if condition is not None else "direct",
                edge_label=item.get("label", ""),
                condition_value="" if condition is None else str(condition),
                priority=item.get("priority", 0),
            )
        )
    return draft


def draft_graph(draft) -> dict[str, Any]:
    from apps.workflows.dsl.decompiler import COLUMN_DEFAULTS

    def config(node):
        flat = {k: v for k, v in node.config.items() if v not in (None, "") and COLUMN_DEFAULTS.get(k) != v}
        flat["extra_config"] = dict(node.config.get("extra_config") or {})
        return flat

    return {
        "nodes": {
            n.node_id: (n.component_type, config(n), n.label, n.position) for n in draft.nodes.values()
        },
        "edges": sorted(
            (e.source, e.target, e.edge_type, e.edge_label, e.condition_value, e.priority)
            for e in draft.edges
        ),
    }
