"""Running the tools an agent's model asks for, with live status for the tool nodes on the canvas.

Each call publishes `node_status` running -> success|failed for the tool's own node on `workflow:<slug>`
and `execution:<id>` (the envelope every node event uses), so the editor's badges light up for tool
nodes too. A tool that fails answers the model with an error text; the agent's loop goes on.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from pipelit import events

EVENT_OUTPUT_CHARS = 2_000  # the socket event carries the start of a long result; the trace has it all
TOOL_ERROR = "tool_error"


@dataclass(frozen=True)
class ToolCallContext:
    """Which execution a running tool serves: tools that need it (workspaces) read `current_call`."""

    execution_id: str
    workflow_slug: str
    node_id: str
    tool_call_id: str = ""


current_call: ContextVar[ToolCallContext | None] = ContextVar("pipelit_tool_call", default=None)


@dataclass(frozen=True)
class BoundTool:
    """A resolved LangChain tool and the canvas node it came from."""

    node_id: str
    tool: Any

    @property
    def name(self) -> str:
        return self.tool.name


@dataclass(frozen=True)
class ToolCallRecord:
    """What the trace says about one tool call besides the ToolMessage itself."""

    node_id: str
    status: str  # success | failed
    duration_ms: float


class ToolRunner:
    """Runs tool calls for one agent node of one execution."""

    def __init__(self, tools: list[BoundTool], *, execution_id: str, workflow_slug: str) -> None:
        self.by_name = {bound.name: bound for bound in tools}
        self.execution_id = execution_id
        self.workflow_slug = workflow_slug
        self.channels = [f"workflow:{workflow_slug}", f"execution:{execution_id}"]
        self.records: dict[str, ToolCallRecord] = {}
        self._actor: tuple | None = None  # (owner, workflow), () when the run has no saved workflow

    @property
    def tools(self) -> list:
        return [bound.tool for bound in self.by_name.values()]

    def run(self, call: dict[str, Any]):
        """The ToolMessage answering `call` (an unknown tool or a failing one answers with an error)."""
        from langchain_core.messages import ToolMessage

        call_id = call.get("id") or ""
        bound = self.by_name.get(call["name"])
        if bound is None:
            content = f"Error: unknown tool {call['name']!r}"
            return ToolMessage(content=content, tool_call_id=call_id, name=call["name"], status="error")
        self._publish(bound.node_id, "running")
        started = time.perf_counter()
        token = current_call.set(
            ToolCallContext(self.execution_id, self.workflow_slug, bound.node_id, tool_call_id=call_id)
        )
        try:
            with self._acting():
                content, failed = _invoke(bound.tool, {**call, "id": call_id, "type": "tool_call"})
        finally:
            current_call.reset(token)
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        status = "failed" if failed else "success"
        self.records[call_id] = ToolCallRecord(bound.node_id, status, duration_ms)
        if failed:
            self._publish(bound.node_id, status, error=content, error_code=TOOL_ERROR)
        else:
            self._publish(bound.node_id, status, output={"result": content[:EVENT_OUTPUT_CHARS]})
        return ToolMessage(
            content=content,
            tool_call_id=call_id,
            name=call["name"],
            status="error" if failed else "success",
        )

    def _acting(self):
        """Audit what the tool writes as the workflow's owner, inside this workflow (the agent
        invariants then apply), with the execution id as the request id."""
        import contextlib

        from apps.audit.context import acting_as

        if self._actor is None:
            self._actor = _actor_of(self.execution_id)
        if not self._actor:
            return contextlib.nullcontext()
        owner, workflow = self._actor
        return acting_as(user=owner, workflow=workflow, request_id=self.execution_id)

    def annotate(self, trace: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Add node_id, status and duration_ms to the trace's tool results."""
        for item in trace:
            record = self.records.get(item.get("tool_call_id") or "") if item["role"] == "tool" else None
            if record is not None:
                item.update(node_id=record.node_id, status=record.status, duration_ms=record.duration_ms)
        return trace

    def _publish(self, node_id: str, status: str, **extra: Any) -> None:
        data = {"execution_id": self.execution_id, "node_id": node_id, "status": status, **extra}
        events.broadcast_many(self.channels, "node_status", data)


def _actor_of(execution_id: str) -> tuple:
    import uuid

    from apps.execution.models import WorkflowExecution

    try:
        execution_uuid = uuid.UUID(str(execution_id))
    except ValueError:
        return ()
    execution = (
        WorkflowExecution.objects.select_related("workflow__owner")
        .filter(execution_id=execution_uuid)
        .first()
    )
    return (execution.workflow.owner, execution.workflow) if execution is not None else ()


def _invoke(tool, call: dict[str, Any]) -> tuple[str, bool]:
    """(result text, failed). Tools built with handle_tool_error answer a ToolMessage(status=error)."""
    from langchain_core.messages import ToolMessage

    try:
        result = tool.invoke(call)
    except Exception as exc:  # a broken tool answers the model; the loop goes on
        return f"Error: {exc}", True
    if isinstance(result, ToolMessage):
        text = result.content if isinstance(result.content, str) else str(result.content)
        return text, result.status == "error"
    return str(result), False
