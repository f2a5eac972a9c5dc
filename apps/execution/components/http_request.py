"""HTTP Request: one HTTP call with httpx; usable as a workflow step (and, later, as an agent tool)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from apps.execution.results import NodeError
from apps.workflows.registry import Category, ConfigKind, DataType, Port, node_type

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_BYTES = 1_000_000
RESULT_CHARS = 4000  # the `result` string is truncated like the reference tool's answer
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "description": "Target URL (default: the upstream value)"},
        "method": {"type": "string", "enum": METHODS, "default": "GET"},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}, "default": {}},
        "body": {"description": "String sent as is; object/array sent as JSON"},
        "timeout": {"type": "number", "minimum": 0.1, "maximum": 600, "default": DEFAULT_TIMEOUT},
        "max_response_bytes": {"type": "integer", "minimum": 1, "default": DEFAULT_MAX_BYTES},
        "fail_on_error_status": {"type": "boolean", "default": False, "description": "Fail on 4xx/5xx"},
    },
}


@node_type(
    "http_request",
    display_name="HTTP Request",
    category=Category.TOOL,
    description="Make an HTTP request and return the status code and body.",
    inputs=[Port("url", DataType.STRING, required=True, description="The URL to send the request to")],
    outputs=[
        Port("result", DataType.STRING, description="HTTP {status_code} and the response body"),
        Port("status_code", DataType.NUMBER),
        Port("body", DataType.STRING, description="Response body (up to max_response_bytes)"),
        Port("json", DataType.ANY, description="The body parsed as JSON, or null"),
        Port("headers", DataType.OBJECT),
        Port("truncated", DataType.BOOLEAN, description="True when the body was cut at max_response_bytes"),
    ],
    config_kind=ConfigKind.BASE,
    config_schema=CONFIG_SCHEMA,
    icon="globe",
    color="#10b981",
)
def run(ctx) -> dict:
    config = ctx.config
    url = config.get("url") or (ctx.input if isinstance(ctx.input, str) else None)
    if not url:
        raise NodeError("no url configured", "invalid_config", retryable=False)
    method = str(config.get("method") or "GET").upper()
    if method not in METHODS:
        raise NodeError(f"unsupported method {method!r}", "invalid_config", retryable=False)
    timeout = ctx.remaining_seconds(float(config.get("timeout") or DEFAULT_TIMEOUT))
    limit = int(config.get("max_response_bytes") or DEFAULT_MAX_BYTES)
    status, headers, raw, truncated = _send(method, str(url), config, timeout, limit)
    if config.get("fail_on_error_status") and status >= 400:
        raise NodeError(f"HTTP {status} from {url}", f"http_{status}")
    return _outputs(status, headers, raw, truncated)


def _request_body(body: Any) -> dict[str, Any]:
    if body is None or body == "":
        return {}
    if isinstance(body, dict | list):
        return {"json": body}
    return {"content": str(body).encode()}


def _send(method: str, url: str, config: dict, timeout: float, limit: int):
    headers = {str(k): str(v) for k, v in (config.get("headers") or {}).items()}
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True) as client,
            client.stream(method, url, headers=headers, **_request_body(config.get("body"))) as response,
        ):
            raw, truncated = _read_capped(response, limit)
            return response.status_code, dict(response.headers), raw, truncated
    except httpx.TimeoutException as exc:
        raise NodeError(f"request to {url} timed out after {timeout:g}s", "http_timeout") from exc
    except httpx.InvalidURL as exc:
        raise NodeError(f"invalid url {url!r}: {exc}", "invalid_config", retryable=False) from exc
    except (httpx.HTTPError, httpx.StreamError) as exc:
        raise NodeError(f"request to {url} failed: {exc}", "http_error") from exc


def _read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        if size + len(chunk) > limit:
            chunks.append(chunk[: limit - size])
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False


def _outputs(status: int, headers: dict, raw: bytes, truncated: bool) -> dict:
    body = raw.decode("utf-8", "replace")
    try:
        parsed = None if truncated or not body else json.loads(body)
    except ValueError:
        parsed = None
    return {
        "result": f"HTTP {status}\n{body[:RESULT_CHARS]}",
        "status_code": status,
        "body": body,
        "json": parsed,
        "headers": headers,
        "truncated": truncated,
    }
