"""Code: runs a Python snippet in the out-of-process sandbox (see apps.execution.sandbox)."""

from __future__ import annotations

import json

from apps.execution import expressions
from apps.execution.results import NodeError
from apps.execution.sandbox import Limits, run_snippet
from apps.workflows.registry import Category, ConfigKind, DataType, Port, node_type

DEFAULT_TIMEOUT = 30.0

CONFIG_SCHEMA = {
    "type": "object",
    "required": ["code"],
    "properties": {
        "code": {"type": "string", "description": "Python; set `result` or `return` a value, else stdout"},
        "language": {"type": "string", "enum": ["python"], "default": "python"},
        "timeout_seconds": {"type": "number", "minimum": 0.1, "maximum": 600, "default": DEFAULT_TIMEOUT},
        "memory_mb": {"type": "integer", "minimum": 32, "maximum": 4096, "default": 256},
    },
}


@node_type(
    "code",
    display_name="Code",
    category=Category.LOGIC,
    description="Run a Python snippet in a sandboxed process; `result` (or stdout) is the output.",
    inputs=[Port("input", DataType.ANY, description="Data from upstream nodes")],
    outputs=[Port("output", DataType.ANY, description="Result of the code execution")],
    config_kind=ConfigKind.CODE,
    config_schema=CONFIG_SCHEMA,
    light=True,
    icon="code",
    color="#8b5cf6",
)
def run(ctx) -> dict:
    config = ctx.config
    language = config.get("language") or "python"
    if language != "python":
        raise NodeError(f"language {language!r} is not supported", "unsupported_language", retryable=False)
    code = config.get("code")
    if not isinstance(code, str) or not code.strip():
        raise NodeError("code is empty", "invalid_config", retryable=False)
    timeout = ctx.remaining_seconds(float(config.get("timeout_seconds") or DEFAULT_TIMEOUT))
    if timeout <= 0:
        raise NodeError("no time left in the execution", "timeout", retryable=False)
    limits = Limits(timeout_seconds=timeout, memory_mb=int(config.get("memory_mb") or 256))
    result = run_snippet(code, variables_json=snippet_variables_json(ctx), limits=limits)
    if not result.ok:
        raise NodeError(result.error, result.error_code or "runtime_error")
    return {"output": result.output}


def snippet_variables_json(ctx) -> str:
    """What the snippet sees, as the JSON object the sandbox takes: node_outputs, trigger (as in
    expressions: its keys + text + payload), input (the upstream value), inputs ({upstream node_id:
    outputs}) and `state`; what JSON cannot hold goes as its str(). Encoded once, here; the sandbox
    sends the text as it is."""
    node_outputs = dict(ctx.node_outputs)
    trigger = expressions.trigger_context(ctx.trigger)
    state = {
        "node_outputs": node_outputs,
        "trigger": trigger,
        "execution_id": ctx.execution_id,
        "route": ctx.state.get("route", ""),
        "user_context": ctx.state.get("user_context") or {},
        "variables": ctx.state.get("variables") or {},
    }
    return _encode(
        {
            "state": state,
            "node_outputs": node_outputs,
            "trigger": trigger,
            "input": ctx.input,
            "inputs": dict(ctx.inputs),
        }
    )


_encode = json.JSONEncoder(default=str).encode  # one encoder: json.dumps(default=) makes one per call
