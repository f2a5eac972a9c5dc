"""workflow_create (YAML DSL) and workflow_discover: agent tools acting as the workflow's owner."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.tools import StructuredTool

MAX_LIMIT = 20

CREATE_DESCRIPTION = (
    "Create a Pipelit workflow from a YAML DSL document. Create mode: name, trigger (chat, webhook, "
    "manual, schedule, telegram or none), optional top-level model (inherit | discover | a model name | "
    "{credential_id, model_name}), and steps (each with id and type: agent{prompt, model, tools, memory}, "
    "code{snippet}, http{url, method, body}, switch{rules: [{field, operator, value, route}], default}, "
    "loop{over, body}, workflow{slug, payload}, transform{template}, human{message}). Steps run in order "
    "unless a switch routes them or a step sets next. Fork mode: based_on: <slug> plus patches (action: "
    "add_step/remove_step/update_prompt/update_config/add_tool/remove_tool/update_trigger/update_model). "
    "`model: inherit` copies your own model. Returns JSON with workflow_id, slug, node_count, edge_count, "
    "or success false with every error and its path (nothing is created then)."
)
DISCOVER_DESCRIPTION = (
    "Find existing workflows that meet requirements before creating one. `requirements` is a JSON object "
    'with optional keys triggers (e.g. ["trigger_chat"]), node_types, tools, tags, description, '
    "model_capability, memory. Returns matches with match_score (0-1), recommendation (reuse >= 0.95, "
    "fork_and_patch >= 0.5, create_new), has/missing/extra and success_rate."
)


class _Refused(Exception):
    """A request the tool answers with {"success": false, "error": ...} instead of failing the agent."""


def _answer(body) -> str:
    try:
        return json.dumps(body(), default=str)
    except _Refused as exc:
        return json.dumps({"success": False, "error": str(exc)})


def _owner(tool_context):
    """Who the tools act as: the running workflow's owner (see apps.agents.tools.context.ToolContext)."""
    try:
        return tool_context.owner
    except Exception as exc:  # noqa: BLE001 - the kit's ToolRefused (no saved workflow, inactive owner)
        raise _Refused(str(exc)) from exc


def workflow_create_tools(tool_context) -> list[StructuredTool]:
    """Tools bound to one agent's execution; `tool_context` has owner, workflow and agent_node_id."""

    def workflow_create(dsl: str, tags: str = "") -> str:
        return _answer(lambda: _create(tool_context, dsl, tags))

    return [
        StructuredTool.from_function(
            func=workflow_create, name="workflow_create", description=CREATE_DESCRIPTION
        )
    ]


def _create(tool_context, dsl: str, tags: str) -> dict[str, Any]:
    from apps.workflows.dsl.errors import DslInvalid
    from apps.workflows.dsl.service import workflow_create_from_dsl
    from apps.workflows.dsl.source import Parent

    owner = _owner(tool_context)
    parent = Parent.of(tool_context.workflow, tool_context.agent_node_id)
    extra_tags = [t.strip() for t in (tags or "").split(",") if t.strip()]
    try:
        workflow, warnings = workflow_create_from_dsl(
            owner=owner, text=dsl, parent=parent, extra_tags=extra_tags
        )
    except DslInvalid as exc:
        errors = [p.as_dict() for p in exc.problems]
        return {"success": False, "error": "The workflow was not created.", "errors": errors}
    return {
        "success": True,
        "workflow_id": workflow.pk,
        "slug": workflow.slug,
        "node_count": workflow.nodes.count(),
        "edge_count": workflow.edges.count(),
        "warnings": warnings,
    }


def _discover(tool_context, requirements: str, limit: int) -> dict[str, Any]:
    from apps.workflows.discovery import workflow_discover as discover

    try:
        parsed = json.loads(requirements) if requirements.strip() else {}
    except ValueError as exc:
        raise _Refused(f"requirements must be a JSON object: {exc}") from exc
    if not isinstance(parsed, dict):
        raise _Refused("requirements must be a JSON object")
    owner = _owner(tool_context)
    workflow = tool_context.workflow
    return discover(
        user=owner,
        requirements=parsed,
        limit=max(1, min(int(limit), MAX_LIMIT)),
        exclude_pk=workflow.pk if workflow is not None else None,
    )


def workflow_discover_tools(tool_context) -> list[StructuredTool]:
    def workflow_discover(requirements: str, limit: int = 5) -> str:
        return _answer(lambda: _discover(tool_context, requirements, limit))

    return [
        StructuredTool.from_function(
            func=workflow_discover, name="workflow_discover", description=DISCOVER_DESCRIPTION
        )
    ]
