"""Read-side view models of the canvas editor: palette groups, node cards with handles, edge curves,
and the upstream variables a node's expressions may use. Geometry here matches static/css/editor.css."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from apps.workflows import registry
from apps.workflows.registry import Category, NodeTypeSpec

NODE_WIDTH = 200
NODE_MIN_HEIGHT = 64
ROUTE_ROW = 24
FALLBACK_ROUTE = "__other__"

CATEGORY_LABELS = {
    Category.TRIGGER: "Triggers",
    Category.AI: "AI",
    Category.LOGIC: "Logic",
    Category.TOOL: "Tools",
    Category.SUB_COMPONENT: "Sub-components",
    Category.MEMORY: "Memory",
    Category.SELF_AWARENESS: "Agent",
}
CATEGORY_COLORS = {
    Category.TRIGGER: "#f97316",
    Category.AI: "#8b5cf6",
    Category.LOGIC: "#6366f1",
    Category.TOOL: "#10b981",
    Category.SUB_COMPONENT: "#3b82f6",
    Category.MEMORY: "#f59e0b",
    Category.SELF_AWARENESS: "#14b8a6",
}
LOOP_COLOR = "#f59e0b"
DONE_COLOR = "#10b981"
LOOP_RETURN_MARGIN = 8
SUB_INPUT_COLORS = {"model": "#3b82f6", "tools": "#10b981", "memory": "#f59e0b", "output_parser": "#94a3b8"}


def palette_groups() -> list[dict[str, Any]]:
    """Every registered type, grouped by category in the registry's order."""
    groups: dict[str, dict[str, Any]] = {}
    for spec in registry.all_specs():
        group = groups.setdefault(
            spec.category,
            {"category": str(spec.category), "label": CATEGORY_LABELS.get(spec.category, spec.category)},
        )
        group.setdefault("specs", []).append(spec)
    return list(groups.values())


def routes_of(spec: NodeTypeSpec | None, extra_config: dict) -> list[tuple[str, str]]:
    """(route id, label) per output handle of a routing node: its rules, then `other` if enabled."""
    if spec is None or not spec.routes:
        return []
    routes = []
    for rule in extra_config.get("rules") or []:
        if isinstance(rule, dict) and rule.get("id"):
            routes.append((str(rule["id"]), str(rule.get("label") or rule["id"])))
    if extra_config.get("enable_fallback"):
        routes.append((FALLBACK_ROUTE, "other"))
    return routes


@dataclass
class Handle:
    kind: str  # "input" | "output" | "route" | "sub" | "loop_body" | "loop_return"
    name: str
    label: str
    x: float  # centre, relative to the node's top-left corner
    y: float
    edge_label: str = ""
    color: str = ""


@dataclass
class NodeCard:
    node_id: str
    component_type: str
    label: str
    x: float
    y: float
    spec: NodeTypeSpec | None
    height: int
    handles: list[Handle] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        return self.spec.display_name if self.spec else self.component_type

    @property
    def color(self) -> str:
        return CATEGORY_COLORS.get(self.spec.category, "#64748b") if self.spec else "#64748b"

    @property
    def short_id(self) -> str:
        return self.node_id.removeprefix(f"{self.component_type}_")

    @property
    def executable(self) -> bool:
        return bool(self.spec and self.spec.executable)

    def handle(self, kind: str, name: str) -> Handle | None:
        return next((h for h in self.handles if h.kind == kind and h.name == name), None)


def node_card(payload: dict) -> NodeCard:
    """A node (as `serialize_node`/`node_payloads` renders it) with its handles laid out."""
    spec = registry.find(payload["component_type"])
    extra = (payload.get("config") or {}).get("extra_config") or {}
    routes = routes_of(spec, extra)
    outputs = len(routes) or (1 if spec is None or spec.outputs else 0)
    loops = bool(spec and spec.loops)
    rows = outputs + (1 if loops else 0)
    height = max(NODE_MIN_HEIGHT, 24 + ROUTE_ROW * rows) + (LOOP_RETURN_MARGIN if loops else 0)
    card = NodeCard(
        node_id=payload["node_id"],
        component_type=payload["component_type"],
        label=payload.get("label") or "",
        x=payload["position_x"],
        y=payload["position_y"],
        spec=spec,
        height=height,
    )
    if spec is None or spec.inputs:
        card.handles.append(Handle("input", "input", "input", 0, height / 2))
    if loops:
        _add_loop_handles(card, outputs)
    elif routes:
        for i, (route, label) in enumerate(routes):
            card.handles.append(Handle("route", route, label, NODE_WIDTH, 24 + ROUTE_ROW * i + ROUTE_ROW / 2))
    elif outputs:
        name = spec.outputs[0].name if spec and spec.outputs else "output"
        card.handles.append(Handle("output", name, name, NODE_WIDTH, height / 2))
    subs = spec.sub_inputs if spec else ()
    for i, sub in enumerate(subs):
        x = NODE_WIDTH * (i + 1) / (len(subs) + 1)
        card.handles.append(
            Handle(
                "sub",
                str(sub),
                str(sub).replace("_", " "),
                x,
                height,
                edge_label=registry.SUB_INPUT_EDGE_LABEL[sub],
                color=SUB_INPUT_COLORS.get(str(sub), ""),
            )
        )
    return card


def _add_loop_handles(card: NodeCard, outputs: int) -> None:
    """A `loops` type: "each item" (loop_body, out) on the first row, then its outputs ("done"), and
    "return" (loop_return, in) at the bottom left, where the body's last node connects back."""
    row = lambda i: 24 + ROUTE_ROW * i + ROUTE_ROW / 2  # noqa: E731
    card.handles.append(
        Handle("loop_body", "loop_body", "each item", NODE_WIDTH, row(0), "loop_body", LOOP_COLOR)
    )
    if outputs:
        name = card.spec.outputs[0].name
        card.handles.append(Handle("output", name, "done", NODE_WIDTH, row(1), color=DONE_COLOR))
    card.handles.append(
        Handle("loop_return", "loop_return", "return", 24, card.height, "loop_return", LOOP_COLOR)
    )


def edge_path(edge: dict, cards: dict[str, NodeCard]) -> str:
    """The SVG cubic curve of one edge between its handles, or "" if an endpoint is missing."""
    source, target = cards.get(edge["source_node_id"]), cards.get(edge["target_node_id"])
    if source is None or target is None:
        return ""
    start = _source_handle(edge, source)
    end = _target_handle(edge, target)
    if start is None or end is None:
        return ""
    x1, y1, x2, y2 = source.x + start.x, source.y + start.y, target.x + end.x, target.y + end.y
    if end.kind == "loop_return":
        return return_path(x1, y1, x2, y2)
    return curve(x1, y1, x2, y2, end.kind in TARGET_KINDS)


def _source_handle(edge: dict, card: NodeCard) -> Handle | None:
    if edge.get("edge_label") == "loop_body":
        found = card.handle("loop_body", "loop_body")
        if found:
            return found
    if edge.get("edge_type") == "conditional":
        found = card.handle("route", edge.get("condition_value") or "")
        if found:
            return found
    return next((h for h in card.handles if h.kind in ("output", "route")), None)


TARGET_KINDS = ("sub", "loop_return")


def _target_handle(edge: dict, card: NodeCard) -> Handle | None:
    label = edge.get("edge_label") or ""
    if label:
        found = next((h for h in card.handles if h.kind in TARGET_KINDS and h.edge_label == label), None)
        if found:
            return found
    return card.handle("input", "input") or (card.handles[0] if card.handles else None)


def curve(x1: float, y1: float, x2: float, y2: float, vertical_end: bool = False) -> str:
    """Cubic Bézier leaving rightwards and entering leftwards (or from below into a sub-input)."""
    dx = max(40.0, abs(x2 - x1) / 2)
    c2x, c2y = (x2, y2 + max(40.0, abs(y2 - y1) / 2)) if vertical_end else (x2 - dx, y2)
    return f"M {x1:.1f} {y1:.1f} C {x1 + dx:.1f} {y1:.1f}, {c2x:.1f} {c2y:.1f}, {x2:.1f} {y2:.1f}"


def return_path(x1: float, y1: float, x2: float, y2: float) -> str:
    """A loop's return edge: out of the body's last node, down below both nodes, back under the
    loop and up into its "return" handle."""
    bottom = max(y1 + 60, y2 + 40)
    return (
        f"M {x1:.1f} {y1:.1f} C {x1 + 50:.1f} {y1:.1f}, {x1 + 50:.1f} {bottom:.1f}, {x1:.1f} {bottom:.1f}"
        f" L {x2:.1f} {bottom:.1f} L {x2:.1f} {y2:.1f}"
    )


def upstream_variables(*, node_id: str, nodes: list[dict], edges: list[dict]) -> list[dict[str, Any]]:
    """Upstream nodes of `node_id` by BFS over incoming data edges, nearest first, with their ports.

    Each entry: {"node_id", "display_name", "ports": [(port name, "{{ node_id.port }}")]}; triggers
    also offer `trigger.*`.
    """
    types = {n["node_id"]: n["component_type"] for n in nodes}
    incoming: dict[str, list[str]] = {}
    for edge in edges:
        if (edge.get("edge_label") or "") == "":
            incoming.setdefault(edge["target_node_id"], []).append(edge["source_node_id"])
    seen, order, queue = {node_id}, [], deque([node_id])
    while queue:
        for upstream in incoming.get(queue.popleft(), ()):
            if upstream not in seen:
                seen.add(upstream)
                order.append(upstream)
                queue.append(upstream)
    result = []
    for upstream in order:
        spec = registry.find(types.get(upstream, ""))
        ports = [p.name for p in spec.outputs] if spec else ["output"]
        entry = {
            "node_id": upstream,
            "display_name": spec.display_name if spec else types.get(upstream, ""),
            "ports": [(port, "{{ " + f"{upstream}.{port}" + " }}") for port in ports],
        }
        if spec and spec.is_trigger:
            entry["ports"] += [
                ("trigger.text", "{{ trigger.text }}"),
                ("trigger.payload", "{{ trigger.payload }}"),
            ]
        result.append(entry)
    return result
