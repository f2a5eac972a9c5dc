"""Reads of the graph: access-scoped workflow lookups and the whole graph in a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from rest_framework.exceptions import PermissionDenied

from apps.workflows.models import ComponentConfig, Workflow, WorkflowEdge, WorkflowNode


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


def node_list(*, workflow: Workflow) -> list[WorkflowNode]:
    """Nodes with their configs attached (`_prefetched_config`): 1 + one query per config kind in use."""
    nodes = list(WorkflowNode.objects.filter(workflow=workflow).order_by("id"))
    attach_configs(nodes)
    return nodes


def attach_configs(nodes: list[WorkflowNode]) -> None:
    if not nodes:
        return
    by_pk = {node.pk: node for node in nodes}
    workflow_ids = {node.workflow_id for node in nodes}
    if len(workflow_ids) == 1:
        configs = ComponentConfig.objects.filter(node__workflow_id=next(iter(workflow_ids)))
    else:
        configs = ComponentConfig.objects.filter(node_id__in=list(by_pk))
    for config in configs:
        node = by_pk.get(config.node_id)
        if node is not None:
            node._prefetched_config = config
    for node in nodes:
        if not hasattr(node, "_prefetched_config"):
            node._prefetched_config = None


def node_get(*, workflow: Workflow, node_id: str) -> WorkflowNode:
    node = WorkflowNode.objects.filter(workflow=workflow, node_id=node_id).first()
    if node is None:
        raise Http404("Node not found.")
    attach_configs([node])
    return node


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
