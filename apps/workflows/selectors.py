"""Reads of the graph: access-scoped workflow lookups and the whole graph in a constant number of queries."""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from rest_framework.exceptions import PermissionDenied

from apps.workflows.models import CONFIG_CLASSES, ComponentConfig, Workflow, WorkflowEdge, WorkflowNode
from apps.workflows.serializers import iso


def workflow_visible_q(user) -> Q:
    return Q(owner=user) | Q(collaborators=user)


def _count_subquery(model, *, workflow_field: str = "workflow") -> Subquery:
    counts = (
        model.objects.filter(**{workflow_field: OuterRef("pk")})
        .order_by()
        .values(workflow_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def workflow_list(*, user) -> QuerySet[Workflow]:
    """Workflows the user owns or collaborates on, with node/edge counts, newest first."""
    ids = Workflow.objects.alive().filter(workflow_visible_q(user)).values("pk")
    return (
        Workflow.objects.filter(pk__in=ids)
        .annotate(node_count=_count_subquery(WorkflowNode), edge_count=_count_subquery(WorkflowEdge))
        .order_by("-updated_at", "-id")
    )


def user_can_write(*, user, workflow: Workflow) -> bool:
    if workflow.owner_id == user.pk:
        return True
    return workflow.collaborators.filter(pk=user.pk).exists()


def workflow_get_for_user(*, user, slug: str, write: bool = False) -> Workflow:
    """The live workflow `slug` if the user may see it (owner, collaborator, or public for reads).

    404 when it does not exist or the user has no access at all; 403 when it is public but the caller
    asks to write.
    """
    workflow = Workflow.objects.alive().filter(slug=slug).first()
    if workflow is None:
        raise Http404("Workflow not found.")
    if user_can_write(user=user, workflow=workflow):
        return workflow
    if workflow.is_public:
        if write:
            raise PermissionDenied("This public workflow is read-only for you.")
        return workflow
    raise Http404("Workflow not found.")


def _config_paths() -> list[str]:
    """`config__aiconfig`, ...: one LEFT JOIN per config subclass, so a node list is one query."""
    return [
        f"config__{cls._meta.model_name}" for cls in CONFIG_CLASSES.values() if cls is not ComponentConfig
    ]


def _config_paths_of_type(component_type: str) -> list[str]:
    """The one join a node of this registered type needs (all of them for an unknown type)."""
    from apps.workflows import registry

    spec = registry.find(component_type)
    if spec is None:
        return _config_paths()
    cls = CONFIG_CLASSES.get(spec.config_kind, ComponentConfig)
    return [] if cls is ComponentConfig else [f"config__{cls._meta.model_name}"]


def _with_configs(queryset: QuerySet[WorkflowNode], paths: list[str] | None = None) -> list[WorkflowNode]:
    paths = _config_paths() if paths is None else paths
    nodes = list(queryset.select_related("config", *paths))
    for node in nodes:
        node._prefetched_config = _concrete_config(node, paths)
    return nodes


def _concrete_config(node: WorkflowNode, paths: list[str]) -> ComponentConfig | None:
    try:
        base = node.config
    except ObjectDoesNotExist:
        return None
    for path in paths:
        try:
            child = getattr(base, path.removeprefix("config__"))
        except ObjectDoesNotExist:
            continue
        child.node = node
        return child
    return base


def node_list(*, workflow: Workflow) -> list[WorkflowNode]:
    """Nodes with their concrete configs attached (`_prefetched_config`), in one query."""
    return _with_configs(WorkflowNode.objects.filter(workflow=workflow).order_by("id"))


def node_get(*, workflow: Workflow, node_id: str) -> WorkflowNode:
    nodes = _with_configs(WorkflowNode.objects.filter(workflow=workflow, node_id=node_id))
    if not nodes:
        raise Http404("Node not found.")
    return nodes[0]


def node_first_of_type(
    *, workflow: Workflow, component_type: str, node_id: str | None = None
) -> WorkflowNode | None:
    """The named node of that type, else the first one (by creation), with its config attached."""
    nodes = WorkflowNode.objects.filter(workflow=workflow, component_type=component_type)
    if node_id:
        nodes = nodes.filter(node_id=node_id)
    found = _with_configs(nodes.order_by("id")[:1], _config_paths_of_type(component_type))
    return found[0] if found else None


def edge_queryset(*, workflow: Workflow) -> QuerySet[WorkflowEdge]:
    """Edges annotated with their endpoints' node ids (`source_key`, `target_key`) in one query."""
    return (
        WorkflowEdge.objects.filter(workflow=workflow)
        .annotate(source_key=F("source__node_id"), target_key=F("target__node_id"))
        .order_by("id")
    )


def edge_list(*, workflow: Workflow) -> list[WorkflowEdge]:
    return list(edge_queryset(workflow=workflow))


def edge_get(*, workflow: Workflow, edge_id: int) -> WorkflowEdge:
    edge = edge_queryset(workflow=workflow).filter(pk=edge_id).first()
    if edge is None:
        raise Http404("Edge not found.")
    return edge


@dataclass
class WorkflowGraph:
    workflow: Workflow
    nodes: list[WorkflowNode]
    edges: list[WorkflowEdge]
    by_node_id: dict[str, WorkflowNode] = field(default_factory=dict)

    def __post_init__(self):
        self.by_node_id = {node.node_id: node for node in self.nodes}

    def config(self, node_id: str) -> ComponentConfig | None:
        return self.by_node_id[node_id]._prefetched_config


def workflow_graph(*, workflow: Workflow) -> WorkflowGraph:
    """Nodes (configs attached) and edges (`source_key`/`target_key` annotated), independent of size."""
    return WorkflowGraph(
        workflow=workflow, nodes=node_list(workflow=workflow), edges=edge_list(workflow=workflow)
    )


# --- read-only payloads straight from rows (no model instances: the editor reloads graphs often) -----


def _config_columns() -> list[tuple[type[ComponentConfig], str, list[tuple[str, str]]]]:
    """Per config subclass: (class, its parent-pointer path, [(values() path, wire key), ...])."""
    columns = []
    for cls in CONFIG_CLASSES.values():
        if cls is ComponentConfig:
            continue
        prefix = f"config__{cls._meta.model_name}"
        own = [
            (f"{prefix}__{field.name}", field.attname)
            for field in cls._meta.local_concrete_fields
            if not field.primary_key
        ]
        columns.append((cls, f"{prefix}__pk", own))
    return columns


class _PreparedValues:
    """A `.values()` query compiled once per connection and re-run with new parameters.

    Building and compiling a queryset with a dozen joined columns costs more than running it; the
    editor reloads graphs often, so the graph payloads reuse the SQL and Django's column converters.
    """

    def __init__(self, build: Callable[[Any], QuerySet]):
        self.build = build  # param -> QuerySet.values(...)
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _compile(self, conn):
        sentinel = -987654321
        queryset = self.build(sentinel)
        compiler = queryset.query.get_compiler(connection=conn)
        sql, params = compiler.as_sql()
        if list(params) != [sentinel]:
            raise RuntimeError("prepared values() query must have exactly one parameter")
        names = [
            *queryset.query.extra_select,
            *queryset.query.values_select,
            *queryset.query.annotation_select,
        ]
        converters = compiler.get_converters([col for col, _, _ in compiler.select])
        return compiler, sql, names, converters

    def __call__(self, param) -> list[dict]:
        conn = connections[DEFAULT_DB_ALIAS]
        compiled = self._compiled.get(conn)
        if compiled is None:
            compiled = self._compiled[conn] = self._compile(conn)
        compiler, sql, names, converters = compiled
        with conn.cursor() as cursor:
            cursor.execute(sql, [param])
            rows = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [dict(zip(names, row, strict=True)) for row in rows]


NODE_COLUMNS = (
    "id",
    "node_id",
    "component_type",
    "label",
    "is_entry_point",
    "interrupt_before",
    "interrupt_after",
    "position_x",
    "position_y",
    "subworkflow_id",
    "updated_at",
)


def node_payloads(*, workflow: Workflow) -> list[dict]:
    """The nodes of `workflow` exactly as `serializers.serialize_node` renders them, in one query."""
    columns = _CONFIG_COLUMNS()
    payloads = []
    for row in _node_rows(workflow.pk):
        node = {key: row[key] for key in NODE_COLUMNS}
        node["updated_at"] = iso(node["updated_at"])
        node["config"] = _config_payload(row, columns)
        payloads.append(node)
    return payloads


@lru_cache(maxsize=1)
def _CONFIG_COLUMNS():  # noqa: N802 - a lazily computed constant
    return _config_columns()


def _node_paths() -> list[str]:
    paths = [*NODE_COLUMNS, "config__pk", "config__extra_config"]
    for _, ptr, own in _CONFIG_COLUMNS():
        paths += [ptr, *(path for path, _ in own)]
    return paths


_node_rows = _PreparedValues(
    lambda workflow_id: (
        WorkflowNode.objects.filter(workflow_id=workflow_id).order_by("id").values(*_node_paths())
    )
)


def _config_payload(row: dict, columns) -> dict:
    if row["config__pk"] is None:
        return {"extra_config": {}}
    config = {"extra_config": row["config__extra_config"]}
    for cls, ptr, own in columns:
        if row[ptr] is not None:
            config.update({key: row[path] for path, key in own})
            if cls.kind == "model":
                config["llm_credential_id"] = config["credential_id"]
            break
    return config


_edge_rows = _PreparedValues(
    lambda workflow_id: (
        WorkflowEdge.objects.filter(workflow_id=workflow_id)
        .order_by("id")
        .values(
            "id",
            "source__node_id",
            "target__node_id",
            "edge_type",
            "edge_label",
            "condition_mapping",
            "condition_value",
            "priority",
        )
    )
)


def edge_payloads(*, workflow: Workflow) -> list[dict]:
    return [
        {
            "id": row["id"],
            "source_node_id": row["source__node_id"],
            "target_node_id": row["target__node_id"],
            "edge_type": row["edge_type"],
            "edge_label": row["edge_label"],
            "condition_mapping": row["condition_mapping"],
            "condition_value": row["condition_value"],
            "priority": row["priority"],
        }
        for row in _edge_rows(workflow.pk)
    ]


def workflow_subscribable(user, slug: str) -> bool:
    """May `user` listen to `workflow:<slug>` events (owner, collaborator, or a public workflow)?"""
    return (
        Workflow.objects.alive()
        .filter(slug=slug)
        .filter(workflow_visible_q(user) | Q(is_public=True))
        .exists()
    )


def workflow_search(*, user, query: str = "", tag: str = "") -> QuerySet[Workflow]:
    """`workflow_list` narrowed by a name/slug/description search and one tag."""
    workflows = workflow_list(user=user)
    if query:
        workflows = workflows.filter(
            Q(name__icontains=query) | Q(slug__icontains=query) | Q(description__icontains=query)
        )
    if tag:
        if connections[DEFAULT_DB_ALIAS].features.supports_json_field_contains:
            workflows = workflows.filter(tags__contains=[tag])
        else:  # SQLite: match the JSON text of the list, quotes included, so "ai" does not match "aim"
            workflows = workflows.filter(tags__icontains=json.dumps(tag))
    return workflows


def workflow_tags(*, user) -> list[str]:
    """Every tag used on the user's live workflows, sorted."""
    lists = Workflow.objects.alive().filter(workflow_visible_q(user)).values_list("tags", flat=True)
    return sorted({tag for tags in lists if isinstance(tags, list) for tag in tags if isinstance(tag, str)})
