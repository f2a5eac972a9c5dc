"""Sub-components of a step: its model (llm edge), tools (tool edges), memory, and any other attachment."""

from __future__ import annotations

from typing import Any

from apps.workflows import registry
from apps.workflows.dsl.draft import DraftNode, split_config
from apps.workflows.dsl.model_resolution import normalize
from apps.workflows.dsl.parser import join, type_name
from apps.workflows.registry import SubInput

TOOL_ALIASES = {"http": "http_request", "code": ("code_execute", "code"), "search": "web_search"}
MEMORY_TOOLS = ("memory_read", "memory_write")
ATTACH_LABELS = ("llm", "tool", "memory", "output_parser")


def tool_type(name: str) -> str:
    alias = TOOL_ALIASES.get(name, name)
    if isinstance(alias, tuple):  # the first registered one: e.g. code_execute once it exists, else code
        return next((t for t in alias if registry.is_registered(t)), alias[-1])
    return alias


def _position(value: Any, path: str, problems) -> tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, dict) and all(isinstance(value.get(k), (int, float)) for k in ("x", "y")):
        return (float(value["x"]), float(value["y"]))
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
        return (float(value[0]), float(value[1]))
    problems.add(path, "Must be {x: <number>, y: <number>}.")
    return None


class Attacher:
    """Adds sub-component nodes and their edges for one parent step (used by the compiler and patches)."""

    def __init__(self, builder) -> None:
        self.b = builder  # the StepBuilder: draft, problems, resolver, parent, ids

    def model(self, parent: DraftNode, spec: Any, path: str) -> None:
        if SubInput.MODEL not in parent.spec.sub_inputs:
            self.b.problems.add(path, f"A '{parent.component_type}' node takes no model.")
            return
        normalized = normalize(spec, path, self.b.problems)
        if normalized is None:
            return
        config = self.b.resolver.resolve(normalized, path, self.b.problems)
        extra = normalized.get("config") if isinstance(normalized.get("config"), dict) else {}
        node_id = self.b.claim_id(normalized.get("id"), f"{parent.node_id}_model", join(path, "id"))
        node = DraftNode(
            node_id=node_id,
            component_type="ai_model",
            path=path,
            config={**(config or {}), "extra_config": dict(extra)},
            label=str(normalized.get("label") or ""),
            position=_position(normalized.get("position"), join(path, "position"), self.b.problems),
        )
        self.b.place(node, below=parent)
        self.b.draft.add_node(node)
        self.b.draft.add_edge(node_id, parent.node_id, path, edge_label="llm")

    def tools(self, parent: DraftNode, entries: list, path: str) -> None:
        if entries and SubInput.TOOLS not in parent.spec.sub_inputs:
            self.b.problems.add(path, f"A '{parent.component_type}' node takes no tools.")
            return
        for index, entry in enumerate(entries):
            self.one(parent, entry, join(path, index), label="tool")

    def memory(self, parent: DraftNode, enabled: Any, path: str) -> None:
        if not isinstance(enabled, bool):
            self.b.problems.add(path, f"Must be true or false, not {type_name(enabled)}.")
            return
        if not enabled:
            return
        if "conversation_memory" in (parent.spec.config_schema.get("properties") or {}):
            parent.extra["conversation_memory"] = True
        if SubInput.MEMORY in parent.spec.sub_inputs:
            for memory_type in MEMORY_TOOLS:
                if registry.is_registered(memory_type):
                    self.one(parent, {"type": memory_type}, path, label="memory")

    def attach(self, parent: DraftNode, entries: list, path: str) -> None:
        for index, entry in enumerate(entries):
            where = join(path, index)
            label = entry.get("label") if isinstance(entry, dict) else None
            if label not in ATTACH_LABELS:
                self.b.problems.add(join(where, "label"), f"Must be one of {', '.join(ATTACH_LABELS)}.")
                continue
            self.one(parent, {k: v for k, v in entry.items() if k != "label"}, where, label=label)

    def one(self, parent: DraftNode, entry: Any, path: str, *, label: str) -> DraftNode | None:
        """One sub-component: "web_search" or {type, id?, config?, position?, node_label?}."""
        if isinstance(entry, str):
            entry = {"type": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
            self.b.problems.add(path, "Must be a type name or a mapping with a `type`.")
            return None
        unknown = set(entry) - {"type", "id", "config", "position", "node_label"}
        for key in sorted(unknown):
            self.b.problems.add(join(path, key), "Unknown key.")
        component_type = tool_type(entry["type"])
        if not registry.is_registered(component_type):
            self.b.problems.add(join(path, "type"), f"Unknown {label} type '{entry['type']}'.")
            return None
        config = entry.get("config") or {}
        if not isinstance(config, dict):
            self.b.problems.add(join(path, "config"), f"Must be a mapping, not {type_name(config)}.")
            config = {}
        config = self._inherited(component_type, config, join(path, "config"))
        node_id = self.b.claim_id(entry.get("id"), f"{parent.node_id}_{component_type}", join(path, "id"))
        node = DraftNode(
            node_id=node_id,
            component_type=component_type,
            path=path,
            config=split_config(component_type, config),
            label=str(entry.get("node_label") or ""),
            position=_position(entry.get("position"), join(path, "position"), self.b.problems),
        )
        self.b.place(node, below=parent)
        self.b.draft.add_node(node)
        self.b.draft.add_edge(node_id, parent.node_id, path, edge_label=label)
        return node

    def _inherited(self, component_type: str, config: dict, path: str) -> dict:
        """`key: inherit` copies the value from the parent agent's tool of the same type."""
        if not any(v == "inherit" for v in config.values()):
            return config
        source = self.b.parent.tool_config(component_type) if self.b.parent else None
        resolved = dict(config)
        for key, value in config.items():
            if value != "inherit":
                continue
            if source is None or key not in source:
                where = (
                    "the parent agent has no such tool setting"
                    if self.b.parent
                    else "there is no parent agent"
                )
                self.b.problems.add(join(path, key), f"Cannot inherit '{key}': {where}.")
                resolved.pop(key)
            else:
                resolved[key] = source[key]
        return resolved
