"""HTML of node cards and edges, built in Python: a 300-node page renders them in a few milliseconds,
where a template include per node and per handle costs most of the page's time. The markup is what
static/js/canvas.js and static/css/editor.css expect; every value is escaped."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from apps.workflows.canvas import Handle, NodeCard

MANUAL_TRIGGERS = {"trigger_manual"}


def _handle(card: NodeCard, h: Handle) -> str:
    label = escape(h.label)
    extra = f' data-edge-label="{escape(h.edge_label)}"' if h.edge_label else ""
    color = f" --handle-color: {escape(h.color)};" if h.color else ""
    labelled = h.kind in ("route", "sub", "loop_body", "loop_return") or h.label != h.name
    inner = f'<span class="handle__label">{label}</span>' if labelled else ""
    return (
        f'<span class="handle handle--{h.kind}" data-handle-kind="{h.kind}" data-handle-name="{escape(h.name)}"{extra}'
        f' style="left: {h.x:.1f}px; top: {h.y:.1f}px;{color}" title="{label}"'
        f' aria-label="{h.kind} handle {label} of {escape(card.node_id)}">{inner}</span>'
    )


def _run_button(card: NodeCard, run_available: bool) -> str:
    if card.component_type not in MANUAL_TRIGGERS:
        return ""
    node_id = escape(card.node_id)
    state = (
        'title="Run this trigger"'
        if run_available
        else 'disabled title="Runs need the execution engine, which is not installed"'
    )
    return (
        f'<button type="button" class="node__run" data-action="run" data-node-id="{node_id}"'
        f' aria-label="Run {node_id}" {state}>▶ Run</button>'
    )


BADGE_ICONS = {
    "running": '<span class="spinner" aria-hidden="true"></span>',
    "success": "✓",
    "failed": "✕",
    "skipped": "–",
    "waiting": "⏸",
    "interrupted": "⏸",
}


def badge_html(status: dict[str, Any] | None, *, node_id: str, oob: bool = False) -> str:
    """A node's status badge: idle without `status`, else from a `node_status` event's data (or the
    same dict rebuilt from an execution log). Output/error links open the canvas's JSON popover."""
    nid = escape(node_id)
    swap = ' hx-swap-oob="true"' if oob else ""
    if not status or not status.get("status"):
        return (
            f'<span id="badge-{nid}" class="node-badge"{swap} role="status" aria-label="{nid}: idle"></span>'
        )
    state = escape(str(status["status"]))
    execution_id = escape(str(status.get("execution_id") or ""))
    href = f"/executions/{execution_id}/#node-{nid}"
    link = ""
    if state == "success":
        output = escape(json.dumps(status.get("output"), default=str))  # the popover pretty-prints it
        link = f'<a href="{href}" class="node-badge__link" data-popover-json="{output}">output</a>'
    elif state == "failed":
        detail = {"error": status.get("error") or "", "error_code": status.get("error_code")}
        link = (
            f'<a href="{href}" class="node-badge__link node-badge__link--error"'
            f' title="{escape(str(status.get("error_code") or ""))}"'
            f' data-popover-error="{escape(json.dumps(detail, default=str))}">error</a>'
        )
    return (
        f'<span id="badge-{nid}" class="node-badge node-badge--{state}"{swap}'
        f' data-execution-id="{execution_id}" role="status" aria-label="{nid}: {state}">'
        f"{BADGE_ICONS.get(state, '')}{link}</span>"
    )


def node_html(card: NodeCard, *, run_available: bool, status: dict[str, Any] | None = None) -> SafeString:
    node_id = escape(card.node_id)
    name = escape(card.display_name)
    label = f'<div class="node__label">{escape(card.label)}</div>' if card.label else ""
    badge = badge_html(status, node_id=card.node_id) if card.executable else ""
    handles = "".join(_handle(card, h) for h in card.handles)
    unknown = "" if card.spec else " node--unknown"
    return mark_safe(  # noqa: S308 - every interpolated value above is escaped
        f'<div class="node{unknown}" id="node-{node_id}" data-node-id="{node_id}"'
        f' data-component-type="{escape(card.component_type)}" tabindex="0" role="group"'
        f' aria-label="{name} node {node_id}" style="left: {card.x:.1f}px; top: {card.y:.1f}px;'
        f' height: {card.height}px; --node-color: {escape(card.color)};">'
        f'<div class="node__header"><span class="node__type">{name}</span>'
        f'<span class="node__id">{escape(card.short_id)}</span></div>'
        f"{label}{badge}{_run_button(card, run_available)}{handles}</div>"
    )


def edge_html(edge: dict) -> SafeString:
    source, target = escape(edge["source_node_id"]), escape(edge["target_node_id"])
    edge_type, label = escape(edge["edge_type"]), escape(edge.get("edge_label") or "")
    condition = escape(edge.get("condition_value") or "")
    sub = f" edge--sub edge--{label}" if label else ""
    aria = f"Connection from {source} to {target}"
    aria += f" on route {condition}" if condition else ""
    aria += f" ({label})" if label else ""
    path = escape(edge.get("path", ""))
    return mark_safe(  # noqa: S308 - every interpolated value above is escaped
        f'<g class="edge edge--{edge_type}{sub}" id="edge-{edge["id"]}" data-edge-id="{edge["id"]}"'
        f' data-source="{source}" data-target="{target}" data-edge-type="{edge_type}"'
        f' data-edge-label="{label}" data-condition-value="{condition}" tabindex="0" role="button"'
        f' aria-label="{aria}"><path class="edge__hit" d="{path}"></path>'
        f'<path class="edge__line" d="{path}"></path></g>'
    )
