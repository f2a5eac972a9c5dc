"""`http_request` as an agent tool: the model picks url/method/body; the node's config gives defaults."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import StructuredTool, ToolException

from apps.execution.components import http_request as http_step
from apps.execution.results import NodeError


def http_request_tool(extra_config: dict[str, Any] | None = None) -> StructuredTool:
    defaults = dict(extra_config or {})

    def http_request(url: str = "", method: str = "", body: str | None = None) -> str:
        """Send an HTTP request and return 'HTTP <status>' and the response body."""
        target = url or defaults.get("url") or ""
        if not target:
            raise ToolException("Error: no url given")
        verb = (method or defaults.get("method") or "GET").upper()
        if verb not in http_step.METHODS:
            raise ToolException(f"Error: unsupported method {verb!r}")
        config = {**defaults, "body": body if body is not None else defaults.get("body")}
        timeout = float(defaults.get("timeout") or http_step.DEFAULT_TIMEOUT)
        limit = int(defaults.get("max_response_bytes") or http_step.DEFAULT_MAX_BYTES)
        try:
            status, headers, raw, truncated = http_step._send(verb, str(target), config, timeout, limit)
        except NodeError as exc:
            raise ToolException(f"Error: {exc}") from exc
        return http_step._outputs(status, headers, raw, truncated)["result"]

    return StructuredTool.from_function(
        func=http_request,
        name="http_request",
        description="Make an HTTP request (GET by default) and return the status code and the body.",
        handle_tool_error=True,
    )
