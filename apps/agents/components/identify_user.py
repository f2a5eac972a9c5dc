"""Identify User (`identify_user`): who is talking, from the trigger payload; loads their memory context.

A direct node (not a tool). Outputs the canonical user id, the user's context and whether they are new,
and merges the context into the state's `user_context` for every later node.
"""

from __future__ import annotations

from typing import Any

from apps.agents.components._common import MEMORY_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

CHANNELS = ("gateway", "webhook", "chat", "manual", "telegram")


@node_type(
    "identify_user",
    display_name="Identify User",
    category=Category.MEMORY,
    description="Identify the user from the trigger payload and load their stored facts and history.",
    inputs=[
        Port("trigger_input", DataType.OBJECT, description="Payload with user-identifying fields"),
        Port("channel", DataType.STRING, description="gateway, webhook, chat or manual (inferred if empty)"),
    ],
    outputs=[
        Port("user_id", DataType.STRING, description="Canonical user id, unique across channels"),
        Port("user_context", DataType.OBJECT, description="Facts and recent history of the user"),
        Port("is_new_user", DataType.BOOLEAN),
    ],
    config_schema={
        "type": "object",
        "properties": {"channel": {"type": "string", "enum": ["", *CHANNELS], "default": ""}},
    },
    icon="user-search",
    color=MEMORY_COLOR,
)
def run(ctx) -> dict[str, Any]:
    from apps.agents.services import identify_user

    upstream = ctx.input if isinstance(ctx.input, dict) else {}
    payload = {**dict(ctx.trigger), **upstream}
    channel = ctx.config.get("channel") or None
    result = identify_user(payload=payload, channel=channel)
    return {
        **result,
        "_state_patch": {"user_context": {**result["user_context"], "user_id": result["user_id"]}},
    }
