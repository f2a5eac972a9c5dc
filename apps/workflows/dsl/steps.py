"""One DSL step -> its node (plus sub-components); flow between steps is the compiler's job."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from apps.workflows import registry
from apps.workflows.dsl.attachments import Attacher, _position
from apps.workflows.dsl.draft import NODE_FLAGS, DraftNode, GraphDraft, merge_config
from apps.workflows.dsl.errors import Problems
from apps.workflows.dsl.parser import get_dict, get_list, get_str, join, str_list, type_name
from apps.workflows.registry import SubInput
from apps.workflows.serializers import NODE_ID_PATTERN

# DSL step type -> node type. Any registered (non-trigger) node type may also be named directly.
STEP_TYPES = {
    "agent": "agent",
    "code": "code",
    "http": "http_request",
    "switch": "switch",
    "loop": "loop",
    "workflow": "workflow",
    "transform": "code",
    "human": "human_confirmation",
}
COMMON_KEYS = {"id", "name", "type", "label", "position", "next", "config", *NODE_FLAGS}
AI_KEYS = {"prompt", "model", "tools", "memory", "attach"}
TYPE_KEYS = {
    "agent": AI_KEYS,
    "code": {"snippet", "language"},
    "http": {"url", "method", "headers", "body", "timeout"},
    "switch": {"rules", "default", "routes"},
    "loop": {"over", "body", "max_iterations"},
    "workflow": {"slug", "payload"},
    "transform": {"template"},
    "human": {"message", "timeout"},
}
REQUIRED = {
    "agent": "prompt",
    "code": "snippet",
    "http": "url",
    "switch": "rules",
    "workflow": "slug",
    "transform": "template",
    "human": "message",
}
# Settings that stand in for a required field (a switch may route by its legacy condition settings).
ALTERNATIVES = {"switch": ("condition_field", "condition_expression")}
TEMPLATE_CODE = "{{% set __dsl_template %}}{template}{{% endset %}}return {{{{ __dsl_template | tojson }}}}"
TEMPLATE_RE = re.compile(
    r"^\{% set __dsl_template %\}(?P<template>.*)\{% endset %\}return \{\{ __dsl_template \| tojson \}\}$",
    re.S,
)
ID_RE = re.compile(NODE_ID_PATTERN)
COLUMN_X, ROW_Y, SUB_Y = 300.0, 300.0, 180.0


@dataclass
class Reference:
    """An edge to a step named in the document, checked once every step exists."""

    source: str
    target: str
    path: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepInfo:
    node_id: str
    path: str
    dsl_type: str
    next: list[str] | None = None  # explicit successors; None = implicit linear flow
    routes: bool = False  # a routing step: flow leaves it only through its routes
    body: list[StepInfo] = field(default_factory=list)


class StepBuilder:
    def __init__(
        self, *, draft: GraphDraft, problems: Problems, resolver, owner, parent=None, default_model=None
    ):
        self.draft, self.problems, self.resolver = draft, problems, resolver
        self.owner, self.parent, self.default_model = owner, parent, default_model
        self.references: list[Reference] = []
        self.reserved: set[str] = set()
        self.claimed: dict[str, str] = {}
        self.column = 0
        self.row = 0
        self.attacher = Attacher(self)

    # --- ids and layout ------------------------------------------------------------------------

    def claim_id(self, wanted: Any, default: str, path: str) -> str:
        if wanted is not None:
            node_id = str(wanted)
            if not ID_RE.match(node_id):
                self.problems.add(path, f"'{node_id}' is not a valid id (letters, digits, _ - . only).")
            elif node_id in self.claimed or node_id in self.draft.nodes:
                where = self.claimed.get(node_id) or self.draft.nodes[node_id].path
                self.problems.add(path, f"Duplicate id '{node_id}' (already used at {where}).")
                return self.generated(node_id)
            self.claimed[node_id] = path.removesuffix(".id").removesuffix(".name")
            return node_id
        return self.generated(default)

    def generated(self, base: str) -> str:
        match = re.match(r"^(.*)_(\d+)$", base)
        stem, n = (match.group(1), int(match.group(2))) if match else (base, 1)
        candidate = base
        while candidate in self.draft.nodes or candidate in self.reserved or candidate in self.claimed:
            n += 1
            candidate = f"{stem}_{n}"
        self.claimed[candidate] = "(generated)"
        return candidate

    def place(self, node: DraftNode, *, below: DraftNode | None = None) -> None:
        if node.position is not None:
            return
        if below is not None:
            siblings = len(self.draft.attached(below.node_id))
            x, y = below.position or (0.0, 0.0)
            node.position = (x + 160.0 * siblings, y + SUB_Y)
            return
        node.position = (100.0 + COLUMN_X * self.column, 200.0 + ROW_Y * self.row)
        self.column += 1

    # --- steps ---------------------------------------------------------------------------------

    def step(self, raw: Any, path: str, index: int) -> StepInfo | None:
        if not isinstance(raw, dict):
            self.problems.add(path, f"A step must be a mapping, not {type_name(raw)}.")
            return None
        dsl_type = get_str(raw, "type", path, self.problems, required=True)
        if not dsl_type:
            return None
        component_type = self._component_type(dsl_type, join(path, "type"))
        if component_type is None:
            return None
        spec = registry.get(component_type)
        allowed = COMMON_KEYS | TYPE_KEYS.get(dsl_type, set())
        allowed |= AI_KEYS if SubInput.MODEL in spec.sub_inputs else set()
        allowed |= {"routes"} if spec.routes else set()
        for key in raw:
            if key not in allowed:
                self.problems.add(join(path, key), f"Unknown key for a '{dsl_type}' step.")
        legacy = isinstance(raw.get("config"), dict) and set(raw["config"]) & set(
            ALTERNATIVES.get(dsl_type, ())
        )
        if REQUIRED.get(dsl_type) and raw.get(REQUIRED[dsl_type]) is None and not legacy:
            self.problems.add(join(path, REQUIRED[dsl_type]), f"Required for a '{dsl_type}' step.")
        wanted = raw.get("id", raw.get("name"))
        node_id = self.claim_id(
            wanted, f"{dsl_type}_{index + 1}", join(path, "id" if "id" in raw else "name")
        )
        node = DraftNode(
            node_id=node_id,
            component_type=component_type,
            path=path,
            config={"extra_config": {}},
            label=str(raw.get("label") or ""),
            position=_position(raw.get("position"), join(path, "position"), self.problems),
            flags={k: bool(raw[k]) for k in NODE_FLAGS if raw.get(k)},
        )
        self.place(node)
        self.draft.add_node(node)
        info = StepInfo(node_id=node_id, path=path, dsl_type=dsl_type, routes=spec.routes)
        if "next" in raw:
            info.next = str_list(raw["next"], join(path, "next"), self.problems)
        self._handlers().get(dsl_type, self._generic)(node, raw, path, info)
        config = get_dict(raw, "config", path, self.problems)
        if config:
            merge_config(node, config)
        if SubInput.MODEL in spec.sub_inputs:
            self._ai_parts(node, raw, path)
        routes = get_dict(raw, "routes", path, self.problems)
        for value, targets in routes.items():
            for target in str_list(targets, join(join(path, "routes"), str(value)), self.problems):
                self.route(node_id, target, str(value), join(join(path, "routes"), str(value)))
        return info

    def _component_type(self, dsl_type: str, path: str) -> str | None:
        component_type = STEP_TYPES.get(dsl_type, dsl_type)
        spec = registry.find(component_type)
        if spec is None:
            if dsl_type in STEP_TYPES:
                self.problems.add(
                    path,
                    f"Step type '{dsl_type}' needs the '{component_type}' node type, which is not installed.",
                )
            else:
                known = ", ".join(sorted(STEP_TYPES))
                self.problems.add(
                    path, f"Unknown step type '{dsl_type}'; use one of {known} or a registered node type."
                )
            return None
        if spec.is_trigger:
            self.problems.add(path, f"'{dsl_type}' is a trigger; declare it under `trigger:`.")
            return None
        return component_type

    def route(self, source: str, target: str, value: str, path: str) -> None:
        self.references.append(
            Reference(source, target, path, {"edge_type": "conditional", "condition_value": value})
        )

    def _ai_parts(self, node: DraftNode, raw: dict, path: str) -> None:
        if raw.get("prompt") is not None:
            if not isinstance(raw["prompt"], str):
                self.problems.add(join(path, "prompt"), f"Must be a string, not {type_name(raw['prompt'])}.")
            else:
                node.config["system_prompt"] = raw["prompt"]
        model = raw.get("model", self.default_model)
        if model is not None:  # without one, the required-connection check reports the step
            self.attacher.model(node, model, join(path, "model") if "model" in raw else "model")
        self.attacher.tools(node, get_list(raw, "tools", path, self.problems), join(path, "tools"))
        if "memory" in raw:
            self.attacher.memory(node, raw["memory"], join(path, "memory"))
        self.attacher.attach(node, get_list(raw, "attach", path, self.problems), join(path, "attach"))

    # --- per type ------------------------------------------------------------------------------

    def _generic(self, node: DraftNode, raw: dict, path: str, info: StepInfo) -> None:
        pass

    def _handlers(self):
        return {
            "code": self._code,
            "transform": self._transform,
            "http": self._http,
            "human": self._human,
            "switch": self._switch,
            "workflow": self._workflow,
            "loop": self._loop,
        }

    def _code(self, node: DraftNode, raw: dict, path: str, info: StepInfo) -> None:
        snippet = get_str(raw, "snippet", path, self.problems)
        if snippet is not None:
            node.config["code"] = snippet
        if raw.get("language") is not None:
            node.config["language"] = raw["language"]

    def _transform(self, node: DraftNode, raw: dict, path: str, info: StepInfo) -> None:
        template = get_str(raw, "template", path, self.problems)
        if template is not None:
            node.config["code"] = TEMPLATE_CODE.format(template=template)

    def _http(self, node: DraftNode, raw: dict, path: str, info: StepInfo) -> None:
        for key in ("url", "method", "headers", "body", "timeout"):
            if raw.get(key) is not None:
                node.extra[key] = (
                    raw[key].upper() if key == "method" and isinstance(raw[key], str) else raw[key]
                )

    def _human(self, node: DraftNode, raw: dict, path: str, info: StepInfo) -> None:
        message = get_str(raw, "message", path, self.problems)
        if message is not None:
            node.extra["prompt"] = message
        if raw.get("timeout") is not None:
            node.extra["timeout"] = raw["timeout"]

    def _switch(self, node: DraftNode, raw: dict, path: str, info: StepInfo) -> None:
        rules = []
        for index, rule in enumerate(get_list(raw, "rules", path, self.problems)):
            where = join(join(path, "rules"), index)
            if not isinstance(rule, dict):
                self.problems.add(where, f"A rule must be a mapping, not {type_name(rule)}.")
                continue
            route = rule.get("route")
            rule_id = rule.get("id", route)
            if rule_id is None:
                self.problems.add(
                    join(where, "route"), "A rule needs a `route` (the step it leads to) or an `id`."
                )
                continue
            for key in ("field", "operator"):
                if rule.get(key) is None:
                    self.problems.add(join(where, key), "Required.")
            rules.append(
                {
                    k: (str(rule_id) if k == "id" else v)
                    for k, v in {"id": rule_id, **rule}.items()
                    if k != "route"
                }
            )
            if route is not None:
                self.route(node.node_id, str(route), str(rule_id), join(where, "route"))
        if "rules" in raw:
            node.extra["rules"] = rules
        if raw.get("default") is not None:
            node.extra["enable_fallback"] = True
            self.route(node.node_id, str(raw["default"]), "__other__", join(path, "default"))

    def _workflow(self, node: DraftNode, raw: dict, path: str, info: StepInfo) -> None:
        from apps.workflows import selectors
        from apps.workflows.models import Workflow

        slug = get_str(raw, "slug", path, self.problems)
        if slug:
            target = Workflow.objects.alive().filter(slug=slug).first()
            if target is None or not (
                target.is_public or selectors.user_can_write(user=self.owner, workflow=target)
            ):
                self.problems.add(join(path, "slug"), f"Workflow '{slug}' not found.")
            node.subworkflow_slug = slug
        payload = get_dict(raw, "payload", path, self.problems)
        if payload:
            merge_config(node, {"input_mapping": payload})

    def _loop(self, node: DraftNode, raw: dict, path: str, info: StepInfo) -> None:
        from apps.workflows.dsl.loops import loop_config

        loop_config(node, raw, path, self.problems)
        body = get_list(raw, "body", path, self.problems)
        if "body" in raw and not body:
            self.problems.add(join(path, "body"), "A loop needs at least one body step.")
        self.row += 1
        column = self.column
        self.column -= 1
        for index, item in enumerate(body):
            child = self.step(item, join(join(path, "body"), index), index)
            if child is not None:
                info.body.append(child)
        self.row -= 1
        self.column = max(column, self.column)
