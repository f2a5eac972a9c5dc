"""Categorizer: the model picks one of the configured categories; it becomes `_route` for branches."""

from __future__ import annotations

import json
import re
from typing import Any

from apps.agents.components._common import (
    AI_COLOR,
    attached_model,
    attached_parser,
    message_text,
    token_usage,
    trimmed,
    user_text,
)
from apps.execution.results import NodeError
from apps.workflows.registry import Category, ConfigKind, DataType, Port, SubInput, node_type

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "categories": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "description": {"type": "string"}},
                "required": ["name"],
            },
            "description": "Each name is a route: conditional edges match it in condition_value.",
        },
    },
}

_CATEGORY_FIELD = re.compile(r'"category"\s*:\s*"([^"]*)"')


@node_type(
    "categorizer",
    display_name="Categorizer",
    category=Category.AI,
    description="Classify the input into one of the configured categories and route on it.",
    inputs=[Port("messages", DataType.ANY, required=True)],
    outputs=[
        Port("category", DataType.STRING, description="The matched category name"),
        Port("raw", DataType.STRING, description="The model's reply before parsing"),
    ],
    sub_inputs=[SubInput.MODEL, SubInput.MEMORY, SubInput.OUTPUT_PARSER],
    required_sub_inputs=[SubInput.MODEL],
    config_kind=ConfigKind.AI,
    config_schema=CONFIG_SCHEMA,
    icon="tags",
    color=AI_COLOR,
    routes=True,
)
def run(ctx) -> dict[str, Any]:
    from langchain_core.messages import HumanMessage, SystemMessage

    categories = _categories(ctx.config)
    model = attached_model(ctx)
    prompt = [SystemMessage(_instructions(ctx.config.get("system_prompt") or "", categories))]
    reply = model.invoke(trimmed([*prompt, HumanMessage(user_text(ctx))], model))
    raw = message_text(reply)
    parser = attached_parser(ctx)
    category = choose_category(parser(raw) if parser else raw, [c["name"] for c in categories])
    return {
        "category": category,
        "raw": raw,
        "_route": category,
        "_token_usage": token_usage([reply], model),
    }


def _categories(config) -> list[dict[str, str]]:
    categories = [
        {"name": str(c["name"]), "description": str(c.get("description") or "")}
        for c in config.get("categories") or []
        if isinstance(c, dict) and c.get("name")
    ]
    if not categories:
        raise NodeError("categorizer has no categories configured", "invalid_config", retryable=False)
    return categories


def _instructions(system_prompt: str, categories: list[dict[str, str]]) -> str:
    lines = "\n".join(
        f"- {c['name']}" + (f": {c['description']}" if c["description"] else "") for c in categories
    )
    task = (
        "Classify the user's message into exactly one of these categories:\n"
        f"{lines}\n"
        'Reply with only a JSON object: {"category": "<name>"}.'
    )
    return f"{system_prompt.strip()}\n\n{task}" if system_prompt.strip() else task


def choose_category(reply: Any, names: list[str]) -> str:
    """JSON {"category"}, else a "category": "x" fragment, else a name mentioned, else the first name."""
    by_lower = {n.lower(): n for n in names}
    candidate = None
    if isinstance(reply, dict):
        candidate = reply.get("category")
    elif isinstance(reply, str):
        try:
            parsed = json.loads(reply)
            candidate = parsed.get("category") if isinstance(parsed, dict) else parsed
        except ValueError:
            match = _CATEGORY_FIELD.search(reply)
            candidate = match.group(1) if match else None
    if isinstance(candidate, str) and candidate.strip().lower() in by_lower:
        return by_lower[candidate.strip().lower()]
    text = json.dumps(reply) if not isinstance(reply, str) else reply
    mentioned = [n for n in names if re.search(rf"\b{re.escape(n.lower())}\b", text.lower())]
    return mentioned[0] if mentioned else names[0]
