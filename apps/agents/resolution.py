"""Sub-component resolution: turn an attached node (model, tool, output parser) into a usable object.

The orchestrator calls `resolve_sub_component(node_snapshot)` (wired through the
PIPELIT_SUB_COMPONENT_RESOLVER setting) when a parent node asks `ctx.resolve_sub_component(node)`.
LangChain is imported inside the functions: this module is only used by workers.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from apps.execution.graph import NodeSnapshot
from apps.execution.results import NodeError

TOOL_TYPES = (
    "calculator",
    "datetime",
    "web_search",
    "http_request",
    "run_command",
    "code_execute",
    "memory_read",
    "memory_write",
)


@dataclass(frozen=True)
class ResolvedModel:
    """An `ai_model` node made usable: the cached LangChain chat model plus what calls and costs need."""

    credential: Any  # apps.agents.models.LLMCredential
    settings: Any  # apps.agents.llm.providers.ModelSettings
    extra_config: dict[str, Any]

    @property
    def model_name(self) -> str:
        return self.settings.model_name

    @property
    def chat_model(self):
        from apps.agents.llm.providers import resolve_chat_model

        return resolve_chat_model(self.credential, self.settings)

    def invoke(self, messages: Sequence[Any], tools: Sequence[Any] = ()):
        """One call with the node's retries; provider failures become NodeError(error_code=llm_*)."""
        from apps.agents.llm.calls import llm_invoke
        from apps.agents.llm.errors import LLMCallError

        try:
            return llm_invoke(
                credential=self.credential, settings=self.settings, messages=messages, tools=tools
            )
        except LLMCallError as exc:
            raise NodeError(exc.message, exc.error_code, retryable=False) from exc


@dataclass(frozen=True)
class OutputParser:
    """An `output_parser` node: json (direct or fenced), regex (findall) or list (one item a line)."""

    parser_type: str = "json"
    pattern: str = ""

    def __call__(self, text: str) -> Any:
        return parse_output(text, self.parser_type, self.pattern)


def resolve_sub_component(node: NodeSnapshot) -> Any:
    resolver = _RESOLVERS.get(node.component_type)
    if resolver is None:
        raise NodeError(
            f"node type {node.component_type!r} cannot be attached as a sub-component",
            "invalid_sub_component",
            retryable=False,
        )
    if node.component_type in TOOL_TYPES:
        return _cached_tool(node.component_type, json.dumps(node.config, sort_keys=True, default=str))
    return resolver(node)


@lru_cache(maxsize=256)
def _cached_tool(component_type: str, config_json: str):
    """Tools are stateless and building one derives a pydantic schema (~ms): build once per config."""
    return _RESOLVERS[component_type](NodeSnapshot("tool", component_type, json.loads(config_json)))


def resolve_model(node: NodeSnapshot) -> ResolvedModel:
    from apps.agents.llm.errors import LLMCallError
    from apps.agents.llm.providers import ModelSettings

    config = dict(node.config)
    credential_id = config.get("credential_id") or config.get("llm_credential_id")
    if not credential_id:
        raise NodeError(f"model node {node.node_id!r} has no credential", "llm_config_error", retryable=False)
    credential = _credential(credential_id)
    if credential is None:
        raise NodeError(
            f"model node {node.node_id!r}: credential {credential_id} is not an LLM credential",
            "llm_config_error",
            retryable=False,
        )
    settings_config = {k: v for k, v in config.items() if k != "max_retries"}
    if config.get("max_retries") is not None:
        settings_config["max_retries"] = int(config["max_retries"])
    try:
        settings = ModelSettings.from_config(settings_config)
    except LLMCallError as exc:
        raise NodeError(exc.message, exc.error_code, retryable=False) from exc
    return ResolvedModel(credential=credential, settings=settings, extra_config=config)


_credential_cache: dict[Any, tuple[Any, float]] = {}  # id -> (credential, monotonic time of its check)
_credential_lock = threading.Lock()


def _credential(credential_id):
    """The LLMCredential, reloaded (and decrypted) only when its updated_at moved. The check is one
    small query (~1 ms of CPU), made at most every PIPELIT_CREDENTIAL_RECHECK_SECONDS per credential:
    an edited or deleted credential reaches a busy worker within that time."""
    from django.conf import settings

    from apps.agents.models import Credential, LLMCredential

    now = time.monotonic()
    with _credential_lock:
        cached, checked_at = _credential_cache.get(credential_id, (None, 0.0))
    if cached is not None and now - checked_at < settings.PIPELIT_CREDENTIAL_RECHECK_SECONDS:
        return cached
    updated_at = Credential.objects.filter(pk=credential_id).values_list("updated_at", flat=True).first()
    if updated_at is None:
        with _credential_lock:
            _credential_cache.pop(credential_id, None)
        return None
    if cached is None or cached.updated_at != updated_at:
        cached = LLMCredential.objects.filter(pk=credential_id).first()
    if cached is not None:
        with _credential_lock:
            if len(_credential_cache) > 256:
                _credential_cache.clear()
            _credential_cache[credential_id] = (cached, now)
    return cached


def _calculator(node: NodeSnapshot):
    from apps.agents.tools.calculator import calculator_tool

    return calculator_tool(dict(node.config))


def _datetime(node: NodeSnapshot):
    from apps.agents.tools.datetime_tool import datetime_tool

    try:
        return datetime_tool(dict(node.config))
    except ValueError as exc:
        raise NodeError(str(exc), "invalid_config", retryable=False) from exc


def _web_search(node: NodeSnapshot):
    from apps.agents.tools.web_search import web_search_tool

    return web_search_tool(dict(node.config))


def _http_request(node: NodeSnapshot):
    from apps.agents.tools.http_tool import http_request_tool

    return http_request_tool(dict(node.config))


def _run_command(node: NodeSnapshot):
    from apps.agents.tools.shell import run_command_tool

    return run_command_tool(dict(node.config))


def _code_execute(node: NodeSnapshot):
    from apps.agents.tools.shell import code_execute_tool

    return code_execute_tool(dict(node.config))


def _memory_read(node: NodeSnapshot):
    from apps.agents.tools.memory_tools import recall_tool

    try:
        return recall_tool(dict(node.config))
    except ValueError as exc:
        raise NodeError(str(exc), "invalid_config", retryable=False) from exc


def _memory_write(node: NodeSnapshot):
    from apps.agents.tools.memory_tools import remember_tool

    try:
        return remember_tool(dict(node.config))
    except ValueError as exc:
        raise NodeError(str(exc), "invalid_config", retryable=False) from exc


def _toolkit(path: str) -> Callable[[NodeSnapshot], Any]:
    """Tools that act inside the execution: a ToolKit the agent binds to its own context."""

    def resolve(node: NodeSnapshot):
        from django.utils.module_loading import import_string

        from apps.agents.tools.context import ToolKit

        return ToolKit(build=import_string(path), node=node)

    return resolve


def _output_parser(node: NodeSnapshot) -> OutputParser:
    config = node.config
    parser_type = str(config.get("parser_type") or "json")
    if parser_type not in ("json", "regex", "list"):
        raise NodeError(f"unknown parser_type {parser_type!r}", "invalid_config", retryable=False)
    if parser_type == "regex":
        try:
            re.compile(str(config.get("pattern") or ""))
        except re.error as exc:
            raise NodeError(f"invalid regex pattern: {exc}", "invalid_config", retryable=False) from exc
    return OutputParser(parser_type=parser_type, pattern=str(config.get("pattern") or ""))


_RESOLVERS: dict[str, Callable[[NodeSnapshot], Any]] = {
    "ai_model": resolve_model,
    "calculator": _calculator,
    "datetime": _datetime,
    "web_search": _web_search,
    "http_request": _http_request,
    "run_command": _run_command,
    "code_execute": _code_execute,
    "output_parser": _output_parser,
    "memory_read": _memory_read,
    "memory_write": _memory_write,
    "epic_tools": _toolkit("apps.agents.tools.epic_tools.epic_tools"),
    "task_tools": _toolkit("apps.agents.tools.task_tools.task_tools"),
    "whoami": _toolkit("apps.agents.tools.identity_tools.whoami_tools"),
    "create_agent_user": _toolkit("apps.agents.tools.identity_tools.create_agent_user_tools"),
    "get_totp_code": _toolkit("apps.agents.tools.identity_tools.get_totp_code_tools"),
    "platform_api": _toolkit("apps.agents.tools.platform_api.platform_api_tools"),
    "system_health": _toolkit("apps.agents.tools.ops_tools.system_health_tools"),
    "scheduler_tools": _toolkit("apps.agents.tools.ops_tools.scheduler_tools"),
    "workflow_create": _toolkit("apps.agents.tools.workflow_tools.workflow_create_tools"),
    "workflow_discover": _toolkit("apps.agents.tools.workflow_tools.workflow_discover_tools"),
    "spawn_and_await": _toolkit("apps.agents.tools.spawn_tools.spawn_and_await_tools"),
}


# --- output parsing ------------------------------------------------------------------------------

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)
_LIST_PREFIX = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s*")


def extract_json(text: str) -> Any:
    """The JSON value in `text` (whole text, else a ``` fence, else the outermost {...}); ValueError if none."""
    candidates = [text.strip()]
    candidates += [m.strip() for m in _FENCE.findall(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    raise ValueError("no JSON found in the model's reply")


def parse_output(text: str, parser_type: str = "json", pattern: str = "") -> Any:
    if parser_type == "regex":
        matches = re.findall(pattern, text)
        return matches or text
    if parser_type == "list":
        return [item for line in text.splitlines() if (item := _LIST_PREFIX.sub("", line).strip())]
    try:
        return extract_json(text)
    except ValueError:
        return text
