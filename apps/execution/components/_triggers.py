"""Shared bits of the trigger components."""

from __future__ import annotations

from typing import Any

TRIGGER_COLOR = "#f97316"
NO_CONFIG = {"type": "object", "properties": {}, "additionalProperties": True}


def payload_of(ctx: Any) -> dict[str, Any]:
    return dict(ctx.trigger or {})
