"""Any workflow -> a DSL document that compiles back to the same nodes, configs and edges.

Steps use the DSL's own forms where they say the same thing (snippet, prompt, model, tools, rules with
routes); `next:` appears only where implicit linear flow would differ; what no step form covers (loop
edges, priorities, shared sub-components) is listed under `edges:`.
"""

from __future__ import annotations

from typing import Any

import yaml

from apps.workflows import registry
from apps.workflows.dsl.draft import DraftEdge, DraftNode, GraphDraft, column_keys
from apps.workflows.dsl.model_resolution import MODEL_PARAMS
from apps.workflows.dsl.source import draft_from_workflow
from apps.workflows.dsl.steps import TEMPLATE_RE
from apps.workflows.models import Workflow, config_class_for
from apps.workflows.registry import ConfigKind

COLUMN_DEFAULTS = {"language": "python", "is_active": True, "priority": 0, "trigger_mode": "implicit"}
EMPTY = (None, "", {}, [])


def workflow_decompile(*, workflow: Workflow) -> dict[str, Any]:
    return Decompiler(draft_from_workflow(workflow)).document()


def dump_yaml(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value and not value.endswith((" ", "\t")) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _plain(edge: DraftEdge) -> bool:
    return edge.edge_type == "direct" and edge.edge_label == "" and edge.priority == 0


class Decompiler:
    def __init__(self, draft: GraphDraft) -> None:
        self.draft = draft
        self.covered: set[int] = set()  # ids of edges a step or trigger form expresses
        self.owned = self._owned()
        self.triggers = [n for n in draft.nodes.values() if n.spec.is_trigger]
        self.bodies = self._bodies()
        inside = {node_id for body in self.bodies.values() for node_id in body}
        self.steps = [
            n
            for n in draft.nodes.values()
            if not n.spec.is_trigger and n.node_id not in self.owned and n.node_id not in inside
        ]

    def _bodies(self) -> dict[str, list[str]]:
        """Loops whose body is a plain chain back to them: written nested under `body:`."""
        bodies: dict[str, list[str]] = {}
        for loop in (n for n in self.draft.nodes.values() if n.spec.loops):
            chain = self._chain(loop.node_id)
            if chain:
                bodies[loop.node_id] = chain
        return bodies

    def _chain(self, loop_id: str) -> list[str] | None:
        starts = [e for e in self.draft.outgoing(loop_id) if e.edge_label == "loop_body"]
        if len(starts) != 1 or starts[0].priority or starts[0].edge_type != "direct":
            return None
        chain, current = [], starts[0].target
        while True:
            node = self.draft.nodes[current]
            flow_in = self.draft.incoming(current, flow=True)
            flow_out = self.draft.outgoing(current, flow=True)
            if current in chain or node.spec.is_trigger or node.spec.loops:
                return None
            if len(flow_in) != 1 or len(flow_out) != 1:
                return None
            chain.append(current)
            out = flow_out[0]
            if out.edge_label == "loop_return" and out.target == loop_id and out.edge_type == "direct":
                return chain if not out.priority else None
            if not _plain(out):
                return None
            current = out.target

    def _owned(self) -> dict[str, DraftEdge]:
        """Sub-components with one edge, into a step: written inside that step."""
        owned = {}
        for node in self.draft.nodes.values():
            edges = [e for e in self.draft.edges if node.node_id in (e.source, e.target)]
            if len(edges) != 1 or edges[0].source != node.node_id or edges[0].is_flow or edges[0].priority:
                continue
            parent = self.draft.nodes[edges[0].target]
            if not parent.spec.is_trigger:
                owned[node.node_id] = edges[0]
        return owned

    def document(self) -> dict[str, Any]:
        meta = self.draft.meta
        doc: dict[str, Any] = {"name": meta.get("name", "")}
        if meta.get("description"):
            doc["description"] = meta["description"]
        if meta.get("tags"):
            doc["tags"] = list(meta["tags"])
        steps = [self._step(node) for node in self.steps]  # before flow: routes mark their edges covered
        for node, item in zip(self.steps, steps, strict=True):
            if node.node_id in self.bodies:
                item["body"] = [self._step(self.draft.nodes[b]) for b in self.bodies[node.node_id]]
                members = {node.node_id, *self.bodies[node.node_id]}
                self.covered.update(
                    id(e)
                    for e in self.draft.edges
                    if e.source in members and e.target in members and e.is_flow
                )
        self._flow(steps)
        triggers = [self._trigger(node) for node in self.triggers]
        if not triggers:  # `trigger: none` means a trigger_workflow node; an empty list means none at all
            doc["triggers"] = []
        elif len(triggers) == 1:
            doc["trigger"] = triggers[0]
        else:
            doc["triggers"] = triggers
        doc["steps"] = steps
        extra = [self._edge(e) for e in self.draft.edges if id(e) not in self.covered]
        if extra:
            doc["edges"] = extra
        return doc

    # --- flow ------------------------------------------------------------------------------------

    def _flow(self, steps: list[dict[str, Any]]) -> None:
        route_targets = {
            e.target for e in self.draft.edges if id(e) in self.covered and e.edge_type == "conditional"
        }
        ids = [node.node_id for node in self.steps]
        for index, node in enumerate(self.steps):
            plain = [e for e in self.draft.outgoing(node.node_id) if _plain(e)]
            nxt = ids[index + 1] if index + 1 < len(ids) else None
            implicit = [nxt] if nxt and not node.spec.routes and nxt not in route_targets else []
            actual = [e.target for e in plain]
            if sorted(actual) != sorted(implicit):
                steps[index]["next"] = actual
            self.covered.update(id(e) for e in plain)
        self._first = ids[0] if ids else None

    def _trigger(self, node: DraftNode) -> dict[str, Any] | str:
        item: dict[str, Any] = {"type": node.component_type.removeprefix("trigger_"), "id": node.node_id}
        config = self._config(node, skip={"credential_id"})
        if node.config.get("credential_id") is not None:
            item["credential"] = node.config["credential_id"]
        if config:
            item["config"] = config
        if node.label:
            item["label"] = node.label
        item["position"] = _position(node)
        plain = [e for e in self.draft.outgoing(node.node_id) if _plain(e)]
        actual = [e.target for e in plain]
        if actual != ([self._first] if self._first else []):
            item["next"] = actual
        self.covered.update(id(e) for e in plain)
        return item

    def _edge(self, edge: DraftEdge) -> dict[str, Any]:
        item: dict[str, Any] = {"source": edge.source, "target": edge.target}
        if edge.edge_label:
            item["label"] = edge.edge_label
        if edge.edge_type != "direct":
            item["type"] = edge.edge_type
        if edge.condition_value:
            item["condition_value"] = edge.condition_value
        if edge.priority:
            item["priority"] = edge.priority
        return item

    # --- steps -----------------------------------------------------------------------------------

    def _step(self, node: DraftNode) -> dict[str, Any]:
        item: dict[str, Any] = {"id": node.node_id}
        skip: set[str] = set()
        handler = {
            "code": self._code,
            "agent": self._prompt,
            "http_request": self._http,
            "human_confirmation": self._human,
            "switch": self._switch,
            "workflow": self._workflow,
        }.get(node.component_type)
        item["type"] = node.component_type
        if handler is not None:
            skip = handler(node, item)
        elif node.spec.config_kind == ConfigKind.AI and node.config.get("system_prompt"):
            item["prompt"] = node.config["system_prompt"]
            skip = {"system_prompt"}
        if node.label:
            item["label"] = node.label
        item["position"] = _position(node)
        item.update(node.flags)
        if node.spec.routes:
            self._routes(node, item)
        self._attachments(node, item)
        config = self._config(node, skip=skip)
        if config:
            item["config"] = config
        return item

    def _code(self, node: DraftNode, item: dict) -> set[str]:
        code = node.config.get("code") or ""
        match = TEMPLATE_RE.match(code)
        if match:
            item["type"], item["template"] = "transform", match.group("template")
        else:
            item["snippet"] = code
        return {"code"}

    def _prompt(self, node: DraftNode, item: dict) -> set[str]:
        item["prompt"] = node.config.get("system_prompt") or ""
        return {"system_prompt"}

    def _http(self, node: DraftNode, item: dict) -> set[str]:
        if not node.extra.get("url"):
            return set()
        item["type"] = "http"
        keys = [k for k in ("url", "method", "headers", "body", "timeout") if k in node.extra]
        for key in keys:
            item[key] = node.extra[key]
        if "method" in item and item["method"] != str(item["method"]).upper():
            item.pop("method")
            keys.remove("method")
        return set(keys)

    def _human(self, node: DraftNode, item: dict) -> set[str]:
        if not isinstance(node.extra.get("prompt"), str):
            return set()
        item["type"], item["message"] = "human", node.extra["prompt"]
        return {"prompt"}

    def _workflow(self, node: DraftNode, item: dict) -> set[str]:
        if node.subworkflow_slug:
            item["slug"] = node.subworkflow_slug
        if node.config.get("input_mapping"):
            item["payload"] = node.config["input_mapping"]
        return {"input_mapping"}

    def _switch(self, node: DraftNode, item: dict) -> set[str]:
        rules = node.extra.get("rules")
        if isinstance(rules, list) and all(
            isinstance(r, dict) and isinstance(r.get("id"), str) for r in rules
        ):
            item["rules"] = [dict(r) for r in rules]
            return {"rules"}
        return set()

    def _routes(self, node: DraftNode, item: dict) -> None:
        """Conditional edges: a rule's `route`, the switch `default`, else `routes: {value: target}`."""
        by_value: dict[str, list[DraftEdge]] = {}
        for edge in self.draft.outgoing(node.node_id):
            if edge.edge_type == "conditional" and edge.edge_label == "" and edge.priority == 0:
                by_value.setdefault(edge.condition_value, []).append(edge)
        rules = {r["id"]: r for r in item.get("rules", [])}
        routes: dict[str, Any] = {}
        for value, edges in by_value.items():
            if len(edges) == 1 and value in rules and "route" not in rules[value]:
                rules[value]["route"] = edges[0].target
            elif (
                len(edges) == 1
                and value == "__other__"
                and "rules" in item
                and node.extra.get("enable_fallback")
            ):
                item["default"] = edges[0].target
            else:
                targets = [e.target for e in edges]
                routes[value] = targets[0] if len(targets) == 1 else targets
            self.covered.update(id(e) for e in edges)
        for rule in item.get("rules", []):
            if rule.get("route") == rule["id"]:
                rule.pop("id")
        if routes:
            item["routes"] = routes

    def _attachments(self, node: DraftNode, item: dict) -> None:
        tools, attach = [], []
        for edge in self.draft.incoming(node.node_id, flow=False):
            if edge.source not in self.owned:
                continue
            sub = self.draft.nodes[edge.source]
            self.covered.add(id(edge))
            if edge.edge_label == "llm" and "model" not in item and (model := self._model(sub)):
                item["model"] = model
                continue
            entry = {"type": sub.component_type, "id": sub.node_id}
            config = self._config(sub)
            if config:
                entry["config"] = config
            if sub.label:
                entry["node_label"] = sub.label
            entry["position"] = _position(sub)
            if edge.edge_label == "tool":
                tools.append(entry)
            else:
                attach.append({"label": edge.edge_label, **entry})
        if tools:
            item["tools"] = tools
        if attach:
            item["attach"] = attach

    def _model(self, sub: DraftNode) -> dict[str, Any] | None:
        config = sub.config
        if (
            sub.component_type != "ai_model"
            or not config.get("credential_id")
            or not config.get("model_name")
        ):
            return None
        model = {
            "id": sub.node_id,
            "credential_id": config["credential_id"],
            "model_name": config["model_name"],
        }
        model.update({k: config[k] for k in MODEL_PARAMS if config.get(k) is not None})
        if sub.extra:
            model["config"] = dict(sub.extra)
        if sub.label:
            model["label"] = sub.label
        model["position"] = _position(sub)
        return model

    def _config(self, node: DraftNode, *, skip: set[str] = frozenset()) -> dict[str, Any]:
        """The node's settings not written elsewhere, defaults left out, extra_config keys flattened."""
        columns = column_keys(node.component_type)
        cls = config_class_for(registry.get(node.component_type).config_kind)
        defaults = {f.attname: f.get_default() for f in cls._meta.concrete_fields if f.has_default()}
        config: dict[str, Any] = {}
        for key, value in node.config.items():
            if key == "extra_config" or key in skip or key not in columns:
                continue
            if value in EMPTY or value == defaults.get(key, COLUMN_DEFAULTS.get(key)):
                continue
            config[key] = value
        extra = {k: v for k, v in node.extra.items() if k not in skip}
        if any(key in columns for key in extra):
            config["extra_config"] = extra
        else:
            config.update(extra)
        return config


def _position(node: DraftNode) -> dict[str, float]:
    x, y = node.position or (0.0, 0.0)
    return {"x": _number(x), "y": _number(y)}


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value
