"""Workflow discovery: score the workflows a user may run against declared requirements (gap analysis).

Each requirement kind present in the request weighs in; omitted kinds do not. The capability score is
blended with the workflow's execution record (success rate, confidence growing with the run count).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from apps.workflows import registry
from apps.workflows.models import ModelConfig, Workflow, WorkflowEdge, WorkflowNode

WEIGHTS = {
    "triggers": 0.2,
    "node_types": 0.25,
    "tools": 0.25,
    "tags": 0.1,
    "description": 0.1,
    "model_capability": 0.05,
    "memory": 0.05,
}
REUSE, FORK = 0.95, 0.50
HISTORY_WEIGHT = 0.1
CONFIDENT_RUNS = 10
STOPWORDS = set(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "to",
        "of",
        "for",
        "in",
        "on",
        "with",
        "that",
        "this",
        "via",
        "it",
        "is",
        "from",
        "by",
        "as",
        "at",
    ]
)
MAX_CANDIDATES = 2000


@dataclass
class Capabilities:
    triggers: set[str] = field(default_factory=set)
    node_types: set[str] = field(default_factory=set)
    tools: set[str] = field(default_factory=set)
    models: set[str] = field(default_factory=set)
    memory: bool = False


def normalize_requirements(raw: dict[str, Any]) -> dict[str, Any]:
    """Accept both reference spellings: `triggers: [trigger_chat]` and `trigger: "webhook"`, etc."""
    req: dict[str, Any] = {}
    triggers = raw.get("triggers", raw.get("trigger"))
    if triggers:
        names = [triggers] if isinstance(triggers, str) else list(triggers)
        req["triggers"] = {n if str(n).startswith("trigger_") else f"trigger_{n}" for n in map(str, names)}
    for key in ("node_types", "tools", "tags"):
        value = raw.get(key)
        if value:
            req[key] = {str(v) for v in ([value] if isinstance(value, str) else value)}
    if raw.get("description"):
        req["description"] = str(raw["description"])
    capability = raw.get("model_capability", raw.get("model"))
    if capability:
        req["model_capability"] = str(capability)
    if raw.get("memory"):
        req["memory"] = True
    return req


def workflow_discover(
    *, user, requirements: dict[str, Any], limit: int = 5, exclude_pk: int | None = None
) -> dict:
    """{"matches": [...best first, at most `limit`], "total_searched": N} over workflows `user` may run."""
    req = normalize_requirements(requirements)
    workflows = list(
        Workflow.objects.alive()
        .filter(is_active=True)
        .filter(Q(owner=user) | Q(collaborators=user) | Q(is_public=True))
        .exclude(pk=exclude_pk)
        .distinct()
        .order_by("id")[:MAX_CANDIDATES]
    )
    capabilities = _capabilities([w.pk for w in workflows])
    history = _history([w.pk for w in workflows])
    matches = [_match(w, capabilities[w.pk], history.get(w.pk, (0, 0)), req) for w in workflows]
    matches.sort(key=lambda m: (-m["match_score"], -m["execution_count"], m["workflow_id"]))
    return {"success": True, "matches": matches[: max(1, limit)], "total_searched": len(workflows)}


def _capabilities(ids: list[int]) -> dict[int, Capabilities]:
    found: dict[int, Capabilities] = defaultdict(Capabilities)
    tool_nodes = set(
        WorkflowEdge.objects.filter(workflow_id__in=ids, edge_label__in=("tool", "memory")).values_list(
            "source_id", flat=True
        )
    )
    for pk, workflow_id, component_type in WorkflowNode.objects.filter(workflow_id__in=ids).values_list(
        "pk", "workflow_id", "component_type"
    ):
        spec = registry.find(component_type)
        caps = found[workflow_id]
        if component_type in ("memory_read", "memory_write"):
            caps.memory = True
        if spec is not None and spec.is_trigger:
            caps.triggers.add(component_type)
        elif pk in tool_nodes:
            caps.tools.add(component_type)
        elif spec is None or not spec.is_sub_component:
            caps.node_types.add(component_type)
    for workflow_id, name in ModelConfig.objects.filter(node__workflow_id__in=ids).values_list(
        "node__workflow_id", "model_name"
    ):
        if name:
            found[workflow_id].models.add(name)
    memory_on = WorkflowNode.objects.filter(
        workflow_id__in=ids, config__extra_config__conversation_memory=True
    )
    for workflow_id in memory_on.values_list("workflow_id", flat=True):
        found[workflow_id].memory = True
    return found


def _history(ids: list[int]) -> dict[int, tuple[int, int]]:
    """workflow pk -> (finished executions, completed ones)."""
    from apps.execution.models import FINISHED_STATUSES, ExecutionStatus, WorkflowExecution

    rows = (
        WorkflowExecution.objects.filter(workflow_id__in=ids, status__in=FINISHED_STATUSES)
        .values("workflow_id")
        .annotate(total=Count("pk"), ok=Count("pk", filter=Q(status=ExecutionStatus.COMPLETED)))
    )
    return {row["workflow_id"]: (row["total"], row["ok"]) for row in rows}


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS and len(w) > 1}


def _short(component_type: str) -> str:
    return component_type.removeprefix("trigger_")


def _match(workflow: Workflow, caps: Capabilities, history: tuple[int, int], req: dict[str, Any]) -> dict:
    parts: dict[str, float] = {}
    gaps: dict[str, list[str]] = {"triggers": [], "node_types": [], "tools": []}
    has, missing = [], []
    for kind in ("triggers", "node_types", "tools"):
        if kind in req:
            present = getattr(caps, kind)
            got, lacking = req[kind] & present, req[kind] - present
            parts[kind] = len(got) / len(req[kind])
            gaps[kind] = sorted(lacking)
            has += [_short(n) for n in sorted(got)]
            missing += [_short(n) for n in sorted(lacking)]
    if "tags" in req:
        tags = {str(t).lower() for t in workflow.tags or []}
        wanted = {t.lower() for t in req["tags"]}
        parts["tags"] = len(wanted & tags) / len(wanted)
    if "description" in req:
        wanted = _words(req["description"])
        text = _words(" ".join([workflow.name, workflow.description, *map(str, workflow.tags or [])]))
        parts["description"] = len(wanted & text) / len(wanted) if wanted else 0.0
    if "model_capability" in req:
        needle = req["model_capability"].lower()
        parts["model_capability"] = float(any(needle in m.lower() for m in caps.models))
        (has if parts["model_capability"] else missing).append(f"model:{req['model_capability']}")
    if "memory" in req:
        parts["memory"] = float(caps.memory)
        (has if caps.memory else missing).append("memory")
    weight = sum(WEIGHTS[k] for k in parts)
    capability_score = sum(WEIGHTS[k] * v for k, v in parts.items()) / weight if weight else 0.0
    total, ok = history
    success_rate = ok / total if total else None
    confidence = min(1.0, total / CONFIDENT_RUNS)
    reliability = 0.5 + ((success_rate or 0.5) - 0.5) * confidence
    score = round((1 - HISTORY_WEIGHT) * capability_score + HISTORY_WEIGHT * reliability, 4) if parts else 0.0
    required = set().union(*(req.get(k, set()) for k in ("triggers", "node_types", "tools")))
    present = caps.triggers | caps.node_types | caps.tools
    return {
        "workflow_id": workflow.pk,
        "slug": workflow.slug,
        "name": workflow.name,
        "description": workflow.description,
        "tags": list(workflow.tags or []),
        "score": score,
        "match_score": score,
        "recommendation": "reuse" if score >= REUSE else "fork_and_patch" if score >= FORK else "create_new",
        "has": has,
        "missing": missing,
        "extra": sorted(_short(n) for n in present - required),
        "capabilities": {k: sorted(getattr(caps, k)) for k in ("triggers", "node_types", "tools")},
        "gaps": gaps,
        "success_rate": round(success_rate, 4) if success_rate is not None else None,
        "execution_count": total,
    }
