"""DSL entry points: compile (validate only) and create, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from apps.workflows import selectors
from apps.workflows.dsl.checks import check_draft, warnings_of
from apps.workflows.dsl.compiler import compile_create
from apps.workflows.dsl.draft import GraphDraft
from apps.workflows.dsl.errors import DslInvalid, Problems
from apps.workflows.dsl.model_resolution import ModelResolver
from apps.workflows.dsl.parser import parse
from apps.workflows.dsl.source import Parent
from apps.workflows.dsl.steps import StepBuilder
from apps.workflows.exceptions import GraphInvalid
from apps.workflows.models import Workflow, WorkflowNode
from apps.workflows.services.io import workflow_import


@dataclass
class Compiled:
    draft: GraphDraft
    warnings: list[str] = field(default_factory=list)

    def preview(self) -> dict[str, Any]:
        return {
            "workflow": self.draft.meta,
            "nodes": [_node_document(n) for n in self.draft.nodes.values()],
            "edges": [_edge_document(e) for e in self.draft.edges],
            "node_count": len(self.draft.nodes),
            "edge_count": len(self.draft.edges),
            "warnings": self.warnings,
        }


def dsl_compile(
    *, owner, text: str, parent: Parent | None = None, extra_tags: list[str] | None = None
) -> Compiled:
    """Parse, resolve and check a DSL document; raises DslInvalid listing every problem."""
    problems = Problems()
    draft = dsl_draft(owner=owner, text=text, parent=parent, problems=problems)
    if extra_tags:
        draft.meta["tags"] = list(dict.fromkeys([*(draft.meta.get("tags") or []), *extra_tags]))
    if not problems:
        check_draft(draft, problems)
    if problems:
        raise DslInvalid(problems.items)
    return Compiled(draft=draft, warnings=warnings_of(draft))


def dsl_draft(*, owner, text: str, problems: Problems, parent: Parent | None = None) -> GraphDraft:
    """The graph a document describes, before the REST graph checks (problems so far in `problems`)."""
    document = parse(text, problems)
    if document is None:
        return GraphDraft()
    builder = StepBuilder(
        draft=GraphDraft(),
        problems=problems,
        resolver=ModelResolver(parent),
        owner=owner,
        parent=parent,
        default_model=document.get("model"),
    )
    if "based_on" in document:
        from apps.workflows.dsl.patcher import compile_fork

        return compile_fork(document, builder=builder)
    return compile_create(document, builder=builder)


@transaction.atomic
def workflow_create_from_dsl(
    *, owner, text: str, parent: Parent | None = None, extra_tags: list[str] | None = None
) -> tuple[Workflow, list[str]]:
    """Compile and write the workflow in one transaction; any problem writes nothing (DslInvalid)."""
    compiled = dsl_compile(owner=owner, text=text, parent=parent, extra_tags=extra_tags)
    return draft_persist(owner=owner, draft=compiled.draft), compiled.warnings


def draft_persist(*, owner, draft: GraphDraft) -> Workflow:
    meta = dict(draft.meta)
    slug = meta.pop("slug", None)
    document = {
        "workflow": meta,
        "nodes": [_node_document(n) for n in draft.nodes.values()],
        "edges": [_edge_document(e) for e in draft.edges],
    }
    try:
        workflow, _warnings = workflow_import(owner=owner, document=document, slug=slug)
    except GraphInvalid as exc:  # the draft checks should have caught it; report it the DSL's way
        problems = Problems()
        for message in exc.errors:
            problems.add("", message)
        raise DslInvalid(problems.items) from exc
    _link_subworkflows(owner, workflow, draft)
    return workflow


def _link_subworkflows(owner, workflow: Workflow, draft: GraphDraft) -> None:
    """Import links only workflows the owner may edit; the DSL also allows public ones (checked already)."""
    for node in draft.nodes.values():
        if not node.subworkflow_slug:
            continue
        target = Workflow.objects.alive().filter(slug=node.subworkflow_slug).first()
        if target is not None and (target.is_public or selectors.user_can_write(user=owner, workflow=target)):
            WorkflowNode.objects.filter(workflow=workflow, node_id=node.node_id).update(
                subworkflow_id=target.pk
            )


def _node_document(node) -> dict[str, Any]:
    x, y = node.position or (0.0, 0.0)
    return {
        "node_id": node.node_id,
        "component_type": node.component_type,
        "label": node.label,
        "position_x": x,
        "position_y": y,
        **node.flags,
        "config": node.config,
        "subworkflow_slug": node.subworkflow_slug,
    }


def _edge_document(edge) -> dict[str, Any]:
    return {
        "source_node_id": edge.source,
        "target_node_id": edge.target,
        "edge_type": edge.edge_type,
        "edge_label": edge.edge_label,
        "condition_value": edge.condition_value,
        "priority": edge.priority,
    }
