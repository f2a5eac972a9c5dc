"""htmx out-of-band fragments rendered from events for the editor socket.

Each event type may have renderers (event -> HTML with `hx-swap-oob`); apps add their own with
`register_fragment`. Every event is also appended as JSON to `#pipelit-events`, where page scripts
(the canvas) pick up what is not plain HTML, e.g. a node created elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils.html import escape

Renderer = Callable[[dict], str]
_RENDERERS: dict[str, list[Renderer]] = {}


def register_fragment(event_type: str, renderer: Renderer) -> None:
    _RENDERERS.setdefault(event_type, []).append(renderer)


def template_fragment(template: str) -> Renderer:
    def render(event: dict) -> str:
        data = event.get("data") or {}
        context = {"event": event, "data": data}
        if "output" in data:
            context["output_json"] = json.dumps(data["output"], indent=2, default=str)
        return render_to_string(template, context)

    return render


def event_json_fragment(event: dict) -> str:
    payload = escape(json.dumps(event, default=str))
    return (
        '<div id="pipelit-events" hx-swap-oob="beforeend">'
        f'<script type="application/json" data-event-type="{escape(event.get("type", ""))}">{payload}</script>'
        "</div>"
    )


def render_event(event: dict) -> str:
    parts = [renderer(event) for renderer in _RENDERERS.get(event.get("type", ""), [])]
    parts.append(event_json_fragment(event))
    return "".join(parts)


def node_badge_fragment(event: dict) -> str:
    from apps.workflows.canvas_html import badge_html

    data = event.get("data") or {}
    return badge_html(data, node_id=str(data.get("node_id", "")), oob=True)


def circuit_banner_fragment(event: dict) -> str:
    """The editor's circuit-breaker banner, shown or cleared whenever the workflow changes."""
    from apps.workflows.views.circuit import TEMPLATE, circuit_context

    data = event.get("data") or {}
    if not isinstance(data.get("circuit"), dict) or not data.get("slug"):
        return ""
    context = circuit_context(slug=str(data["slug"]), circuit=data["circuit"])
    return render_to_string(TEMPLATE, {**context, "oob": True})


register_fragment("node_status", node_badge_fragment)
register_fragment("workflow_updated", circuit_banner_fragment)
register_fragment("execution_completed", template_fragment("execution/_execution_status.html"))
register_fragment("execution_failed", template_fragment("execution/_execution_status.html"))
register_fragment("execution_cancelled", template_fragment("execution/_execution_status.html"))
register_fragment("execution_interrupted", template_fragment("execution/_execution_status.html"))
register_fragment("execution_started", template_fragment("execution/_execution_status.html"))
register_fragment("chat_message", template_fragment("execution/_chat_message.html"))
