"""Tools that act inside an execution: who they act for (the workflow owner) and where they sit.

A context-aware tool node resolves to a `ToolKit`; the agent binds it to its own NodeContext when its
run starts (`ToolKit.tools_for(ctx)`), which builds the kit's LangChain tools for this execution only.
Errors the model should read come back as `{"success": false, "error": ...}` JSON (see `json_tool`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from apps.execution.graph import NodeSnapshot


class ToolRefused(Exception):
    """The tool will not do this (not allowed, missing prerequisite); the message goes to the model."""


@dataclass(frozen=True)
class ToolContext:
    execution_id: str
    workflow_slug: str
    agent_node_id: str
    tool_node_id: str
    tool_config: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, ctx, node: NodeSnapshot) -> ToolContext:
        return cls(
            execution_id=str(ctx.execution_id),
            workflow_slug=ctx.workflow_slug,
            agent_node_id=ctx.node_id,
            tool_node_id=node.node_id,
            tool_config=dict(node.config or {}),
        )

    @cached_property
    def execution(self):
        """The WorkflowExecution row, or None when the graph runs without one (unit tests, previews)."""
        import uuid

        from apps.execution.models import WorkflowExecution

        try:
            execution_uuid = uuid.UUID(self.execution_id)
        except ValueError:
            return None
        return (
            WorkflowExecution.objects.select_related("workflow__owner")
            .filter(execution_id=execution_uuid)
            .first()
        )

    @cached_property
    def workflow(self):
        from apps.workflows.models import Workflow

        if self.execution is not None:
            return self.execution.workflow
        return Workflow.objects.alive().select_related("owner").filter(slug=self.workflow_slug).first()

    @cached_property
    def owner(self):
        """The user the tools act as: the workflow's owner (tools never act beyond what it may do)."""
        workflow = self.workflow
        if workflow is None:
            raise ToolRefused(f"workflow {self.workflow_slug!r} not found; this tool needs a saved workflow")
        owner = workflow.owner
        if not owner.is_active:
            raise ToolRefused("the workflow owner's account is inactive")
        return owner


@dataclass(frozen=True)
class ToolKit:
    """What a context-aware tool node resolves to: `build(tool_context)` -> its LangChain tools."""

    build: Callable[[ToolContext], list]
    node: NodeSnapshot

    def tools_for(self, ctx) -> list:
        return list(self.build(ToolContext.of(ctx, self.node)))


def dumps(data: Any) -> str:
    return json.dumps(data, default=str)


def error_text(exc: Exception) -> str:
    """A readable message from the domain errors tools may meet."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.http import Http404
    from rest_framework.exceptions import ValidationError as DrfValidationError

    from apps.agents.errors import AgentsError

    if isinstance(exc, AgentsError):
        return exc.detail
    if isinstance(exc, DrfValidationError):
        return _drf_detail(exc.detail)
    if isinstance(exc, DjangoValidationError):
        return "; ".join(exc.messages)
    if isinstance(exc, Http404):
        return str(exc) or "not found"
    return str(exc)


def _drf_detail(detail, prefix: str = "") -> str:
    if isinstance(detail, dict):
        return "; ".join(_drf_detail(value, f"{prefix}{key}: ") for key, value in detail.items())
    if isinstance(detail, list):
        return "; ".join(_drf_detail(item, prefix) for item in detail)
    return f"{prefix}{detail}"


def _expected_errors() -> tuple[type[Exception], ...]:
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.http import Http404
    from rest_framework.exceptions import ValidationError as DrfValidationError

    from apps.agents.errors import AgentsError
    from apps.execution.scheduling import ScheduleError, ScheduleTransitionError

    return (
        AgentsError,
        DrfValidationError,
        DjangoValidationError,
        Http404,
        ToolRefused,
        ScheduleError,
        ScheduleTransitionError,
    )


def json_tool(func: Callable[..., dict]) -> Callable[..., str]:
    """Wrap a tool body returning a dict: JSON out; expected failures as {"success": false, "error"}."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs) -> str:
        try:
            return dumps(func(*args, **kwargs))
        except _expected_errors() as exc:
            return dumps({"success": False, "error": error_text(exc)})

    return wrapper


def split_csv(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def validated(serializer_cls, data: dict, *, partial: bool = False) -> dict:
    """Input checked by the REST API's own serializer; only what was given when partial."""
    serializer = serializer_cls(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    if partial:
        return {k: v for k, v in serializer.validated_data.items() if k in data}
    return dict(serializer.validated_data)


_schemas: dict[str, type] = {}


def kit_tool(func: Callable[..., str], description: str):
    """A StructuredTool for a kit's closure; its argument schema (slow to derive) is built once."""
    from langchain_core.tools import StructuredTool

    key = f"{func.__module__}.{func.__qualname__}"
    schema = _schemas.get(key)
    if schema is None:
        tool = StructuredTool.from_function(func, description=description)
        _schemas[key] = tool.args_schema
        return tool
    return StructuredTool(name=func.__name__, description=description, args_schema=schema, func=func)
