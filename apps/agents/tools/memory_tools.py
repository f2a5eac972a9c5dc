"""Memory tools: `recall` (memory_read node) and `remember` (memory_write node) on global memory."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import StructuredTool, ToolException

from apps.agents.models import FactType

MEMORY_TYPES = ("facts", "episodes", "procedures", "all")


def _bounded(value: Any, default, low, high, cast):
    try:
        number = cast(value if value is not None else default)
    except (TypeError, ValueError):
        number = default
    return max(low, min(number, high))


def recall_tool(extra_config: dict[str, Any] | None = None) -> StructuredTool:
    config = extra_config or {}
    memory_type = config.get("memory_type") or "facts"
    if memory_type not in MEMORY_TYPES:
        raise ValueError(f"memory_type must be one of: {', '.join(MEMORY_TYPES)}")
    limit = _bounded(config.get("limit"), 10, 1, 100, int)
    min_confidence = _bounded(config.get("min_confidence"), 0.5, 0.0, 1.0, float)

    def recall(key: str = "", query: str = "") -> str:
        from apps.agents.services import memory_recall

        return memory_recall(
            key=key.strip() or None,
            query=query.strip() or None,
            memory_type=memory_type,
            limit=limit,
            min_confidence=min_confidence,
        )

    return StructuredTool.from_function(
        func=recall,
        name="recall",
        description=(
            "Recall stored knowledge. key: exact fact key (falls back to a search); query: fuzzy search "
            f"over {memory_type}. With no arguments, lists stored facts."
        ),
        handle_tool_error=True,
    )


def remember_tool(extra_config: dict[str, Any] | None = None) -> StructuredTool:
    config = extra_config or {}
    default_type = config.get("fact_type") or FactType.WORLD_KNOWLEDGE
    if default_type not in FactType.values:
        raise ValueError(f"fact_type must be one of: {', '.join(FactType.values)}")
    overwrite = config.get("overwrite", True) is not False

    def remember(key: str, value: str, fact_type: str = "") -> str:
        from apps.agents.errors import AgentsError
        from apps.agents.services import memory_remember

        if not key.strip():
            raise ToolException("Error: key is empty")
        try:
            return memory_remember(
                key=key.strip(), value=value, fact_type=fact_type or default_type, overwrite=overwrite
            )
        except AgentsError as exc:
            raise ToolException(f"Error: {exc.detail}") from exc

    return StructuredTool.from_function(
        func=remember,
        name="remember",
        description=(
            "Store a fact in global memory (shared by every workflow). fact_type (optional): "
            f"{', '.join(FactType.values)}; default {default_type}."
        ),
        handle_tool_error=True,
    )
