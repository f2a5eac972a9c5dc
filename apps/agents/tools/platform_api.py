"""platform_api: this platform's REST API over HTTP, authenticated as the agent's own agent user.

The base URL comes from the node's `api_base_url` or settings.PIPELIT_API_BASE_URL, never from the
model, so a key can only ever be sent to this platform. Without an `api_key` argument the call uses a
short-lived key of the agent user that create_agent_user made for this agent node.
"""

from __future__ import annotations

import json
import threading
import time

import httpx

from .context import ToolContext, ToolRefused, json_tool, kit_tool
from .identity_tools import api_base_url

TIMEOUT_SECONDS = 30.0
MAX_RESPONSE_CHARS = 20_000
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SCHEMA_PATH = "/api/v1/schema/"
SESSION_REUSE_SECONDS = 600  # session keys live 15 min; reuse one for 10

_session_keys: dict[int, tuple[str, float]] = {}
_session_lock = threading.Lock()


def _session_key(tool_context: ToolContext) -> str:
    from apps.agents.services.agents import agent_session_key, agent_user_for_node

    agent = agent_user_for_node(
        owner=tool_context.owner,
        workflow_slug=tool_context.workflow_slug,
        agent_node_id=tool_context.agent_node_id,
    )
    if agent is None:
        raise ToolRefused("no agent user yet: call create_agent_user first (or pass api_key)")
    now = time.monotonic()
    with _session_lock:
        cached = _session_keys.get(agent.pk)
    if cached and now - cached[1] < SESSION_REUSE_SECONDS and _usable(agent, cached[0]):
        return cached[0]
    raw_key = agent_session_key(agent=agent)
    with _session_lock:
        _session_keys[agent.pk] = (raw_key, now)
    return raw_key


def _usable(agent, raw_key: str) -> bool:
    from apps.agents.models import ApiKey
    from apps.agents.models.users import hash_key

    return ApiKey.objects.usable().filter(user=agent, key_hash=hash_key(raw_key)).exists()


def _path(path: str) -> str:
    path = (path or SCHEMA_PATH).strip()
    if "://" in path or path.startswith("//") or not path.startswith("/"):
        raise ToolRefused("path must be a path on this platform, starting with '/' (e.g. /api/v1/workflows/)")
    return SCHEMA_PATH if path in ("/openapi.json", "/schema", "/schema/") else path


def _data(response: httpx.Response):
    try:
        data = response.json()
    except ValueError:
        data = response.text
    text = json.dumps(data, default=str) if not isinstance(data, str) else data
    if len(text) > MAX_RESPONSE_CHARS:
        return {"truncated": True, "text": text[:MAX_RESPONSE_CHARS]}
    return data


def platform_api_tools(tool_context: ToolContext) -> list:
    @json_tool
    def platform_api(method: str = "GET", path: str = SCHEMA_PATH, body: str = "", api_key: str = "") -> dict:
        method = (method or "GET").upper()
        if method not in METHODS:
            raise ToolRefused(f"method must be one of: {', '.join(METHODS)}")
        url = api_base_url(tool_context) + _path(path)
        try:
            payload = json.loads(body) if body.strip() else None
        except ValueError as exc:
            raise ToolRefused(f"body is not valid JSON: {exc}") from exc
        key = api_key.strip() or _session_key(tool_context)
        try:
            response = httpx.request(
                method,
                url,
                json=payload,
                headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
                timeout=TIMEOUT_SECONDS,
            )
        except httpx.HTTPError as exc:
            return {"status_code": None, "success": False, "data": None, "error": f"{url}: {exc}"}
        result = {
            "status_code": response.status_code,
            "success": response.is_success,
            "data": _data(response),
        }
        if not response.is_success:
            result["error"] = f"HTTP {response.status_code}"
        return result

    return [
        kit_tool(
            platform_api,
            description="Call this platform's REST API. method: GET/POST/PUT/PATCH/DELETE; path e.g. "
            "/api/v1/workflows/ (default /api/v1/schema/ = the OpenAPI schema); body: JSON text; api_key: "
            "optional, defaults to this agent's own user (see create_agent_user). "
            "Returns status_code, success, data.",
        )
    ]
