"""Export a workflow as one self-contained JSON document; import one atomically under a new slug."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from apps.workflows import selectors, validation
from apps.workflows.exceptions import GraphInvalid
from apps.workflows.models import Workflow, WorkflowEdge, WorkflowNode
from apps.workflows.serializers import (
    EdgeInputSerializer,
    NodeInputSerializer,
    WorkflowInputSerializer,
    serialize_config,
    validate_with,
)
from apps.workflows.services.common import workflow_touch
from apps.workflows.services.configs import config_values, configs_bulk_create
from apps.workflows.services.nodes import NODE_FIELDS
from apps.workflows.services.workflows import EDITABLE_FIELDS, slug_available, workflow_create
from apps.workflows.validation import EdgeDraft

FORMAT = "pipelit.workflow"
VERSION = 1


def workflow_export(*, workflow: Workflow) -> dict[str, Any]:
    graph = selectors.workflow_graph(workflow=workflow)
    slugs = dict(
        Workflow.objects.filter(
            pk__in={n.subworkflow_id for n in graph.nodes if n.subworkflow_id}
            | {workflow.error_handler_workflow_id}
        ).values_list("pk", "slug")
    )
    meta = {key: getattr(workflow, key) for key in EDITABLE_FIELDS}
    meta["error_handler_workflow_slug"] = slugs.get(workflow.error_handler_workflow_id)
    nodes = []
    for node in graph.nodes:
        config = serialize_config(node._prefetched_config)
        config.pop("llm_credential_id", None)
        item = {"node_id": node.node_id, "component_type": node.component_type}
        item.update({key: getattr(node, key) for key in NODE_FIELDS})
        item["subworkflow_slug"] = slugs.get(node.subworkflow_id)
        item["config"] = config
        nodes.append(item)
    edges = [
        {
            "source_node_id": e.source_key,
            "target_node_id": e.target_key,
            **{
                key: getattr(e, key)
                for key in ("edge_type", "edge_label", "condition_value", "condition_mapping")
            },
            "priority": e.priority,
        }
        for e in graph.edges
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "workflow": meta,
        "nodes": nodes,
        "edges": edges,
    }


@dataclass
class _Plan:
    workflow: dict[str, Any] = field(default_factory=dict)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def flatten(detail, path: str = "") -> list[str]:
    """DRF error detail -> ["field.sub: message", ...]."""
    if isinstance(detail, dict):
        return [
            m for key, value in detail.items() for m in flatten(value, f"{path}.{key}" if path else str(key))
        ]
    if isinstance(detail, list):
        return [m for value in detail for m in flatten(value, path)]
    return [f"{path}: {detail}" if path else str(detail)]


def _checked(serializer_cls, data, where: str, plan: _Plan) -> dict | None:
    try:
        return validate_with(serializer_cls, data)
    except ValidationError as exc:
        plan.errors.extend(f"{where}: {msg}" for msg in flatten(exc.detail))
        return None


def _resolve_slug(user, slug: str | None, where: str, plan: _Plan) -> int | None:
    if not slug:
        return None
    found = Workflow.objects.alive().filter(slug=slug).first()
    if found is None or not selectors.user_can_write(user=user, workflow=found):
        plan.warnings.append(f"{where}: workflow '{slug}' not found here; reference dropped")
        return None
    return found.pk


def _plan_node(user, raw: dict, index: int, plan: _Plan, credentials) -> None:
    where = f"nodes[{index}]"
    raw = dict(raw)
    subworkflow_slug = raw.pop("subworkflow_slug", None)
    node = _checked(NodeInputSerializer, raw, where, plan)
    if node is None:
        return
    config = dict(node.pop("config", {}) or {})
    for key in ("credential_id", "llm_credential_id"):
        if config.get(key) is not None and not credentials.filter(pk=config[key]).exists():
            plan.warnings.append(f"{where}: credential {config[key]} not found here; left empty")
            config[key] = None
    try:
        node["config_values"] = config_values(component_type=node["component_type"], data=config)
    except ValidationError as exc:
        plan.errors.extend(f"{where}: {msg}" for msg in flatten(exc.detail))
        return
    node["subworkflow_id"] = _resolve_slug(user, subworkflow_slug, where, plan)
    plan.nodes.append(node)


def _plan(*, user, document: dict[str, Any], slug: str | None, name: str | None) -> _Plan:
    plan = _Plan()
    meta = dict(document.get("workflow") or {})
    handler_slug = meta.pop("error_handler_workflow_slug", None)
    meta.pop("slug", None)
    meta["name"] = name or meta.get("name")
    plan.workflow = _checked(WorkflowInputSerializer, meta, "workflow", plan) or {}
    plan.workflow["slug"] = slug
    plan.workflow["error_handler_workflow_id"] = _resolve_slug(user, handler_slug, "workflow", plan)
    credentials = apps.get_model(settings.PIPELIT_CREDENTIAL_MODEL).objects.all()
    for index, raw in enumerate(document.get("nodes") or []):
        _plan_node(user, raw, index, plan, credentials)
    given = {node["node_id"] for node in plan.nodes if node.get("node_id")}
    for node in plan.nodes:
        while not node.get("node_id"):
            candidate = f"{node['component_type']}_{secrets.token_hex(3)}"
            if candidate not in given:
                node["node_id"] = candidate
                given.add(candidate)
    by_id: dict[str, Any] = {}
    for node in plan.nodes:
        if node["node_id"] in by_id:
            plan.errors.append(f"nodes: node_id '{node['node_id']}' appears twice")
        by_id[node["node_id"]] = _NodeView(node["node_id"], node["component_type"])
    seen: set[tuple] = set()
    for index, raw in enumerate(document.get("edges") or []):
        edge = _checked(EdgeInputSerializer, raw, f"edges[{index}]", plan)
        if edge is None:
            continue
        draft = EdgeDraft(
            edge["source_node_id"],
            edge["target_node_id"],
            edge.get("edge_type", "direct"),
            edge.get("edge_label", ""),
            edge.get("condition_value", ""),
        )
        problems = validation.edge_errors(draft, by_id)
        if draft.key in seen:
            problems.append(validation.duplicate_error(draft, [draft]))
        seen.add(draft.key)
        plan.errors.extend(f"edges[{index}]: {msg}" for msg in problems)
        plan.edges.append(edge)
    return plan


@dataclass(frozen=True)
class _NodeView:
    node_id: str
    component_type: str


@transaction.atomic
def workflow_import(
    *, owner, document: dict[str, Any], slug: str | None = None, name: str | None = None
) -> tuple[Workflow, list[str]]:
    """Recreate an exported workflow; a bad document writes nothing and raises GraphInvalid."""
    plan = _plan(user=owner, document=document, slug=slug, name=name)
    if plan.errors:
        raise GraphInvalid(plan.errors)
    fields = plan.workflow
    if not fields.get("slug"):
        source_slug = (document.get("workflow") or {}).get("slug") or fields["name"]
        fields["slug"] = slug_available(source_slug)
    workflow = workflow_create(owner=owner, **fields)
    nodes = WorkflowNode.objects.bulk_create(
        [
            WorkflowNode(
                workflow=workflow,
                node_id=n["node_id"],
                component_type=n["component_type"],
                subworkflow_id=n["subworkflow_id"],
                **{k: v for k, v in n.items() if k in NODE_FIELDS},
            )
            for n in plan.nodes
        ]
    )
    configs_bulk_create(nodes=nodes, values=[spec["config_values"] for spec in plan.nodes])
    by_id = {node.node_id: node for node in nodes}
    WorkflowEdge.objects.bulk_create(
        [
            WorkflowEdge(
                workflow=workflow,
                source=by_id[e.pop("source_node_id")],
                target=by_id[e.pop("target_node_id")],
                **e,
            )
            for e in plan.edges
        ]
    )
    workflow_touch(workflow=workflow)
    return workflow, plan.warnings
