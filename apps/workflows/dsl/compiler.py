"""Create mode: triggers + steps (+ explicit edges) -> a GraphDraft with implicit linear flow."""

from __future__ import annotations

from typing import Any

from apps.workflows import registry
from apps.workflows.dsl.attachments import _position
from apps.workflows.dsl.draft import DraftNode, GraphDraft, merge_config
from apps.workflows.dsl.errors import Problems
from apps.workflows.dsl.parser import get_dict, get_list, get_str, join, str_list, type_name
from apps.workflows.dsl.steps import Reference, StepBuilder, StepInfo

TRIGGER_KEYS = {"type", "id", "config", "credential", "next", "position", "label"}
NO_TRIGGER = "none"
DEFAULT_TRIGGER = "chat"  # its text output feeds any step (manual gives an object)
DEFAULT_NAME = "Untitled workflow"
SUBWORKFLOW_TRIGGER = "trigger_workflow"


def meta_of(document: dict, problems: Problems) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    name = get_str(document, "name", "", problems)
    if name:
        meta["name"] = name
    description = get_str(document, "description", "", problems)
    if description is not None:
        meta["description"] = description
    if "tags" in document:
        meta["tags"] = str_list(document["tags"], "tags", problems)
    slug = get_str(document, "slug", "", problems)
    if slug:
        meta["slug"] = slug
    return meta


def compile_create(document: dict, *, builder: StepBuilder) -> GraphDraft:
    draft, problems = builder.draft, builder.problems
    draft.meta = {"name": DEFAULT_NAME, **meta_of(document, problems)}
    raw_steps = get_list(document, "steps", "", problems, required=True)
    builder.reserved = _explicit_ids(raw_steps)
    triggers = compile_triggers(document, builder)
    builder.column = 1 if triggers else 0
    steps = [info for i, raw in enumerate(raw_steps) if (info := builder.step(raw, f"steps[{i}]", i))]
    targets = {ref.target for ref in builder.references if ref.fields.get("edge_type") == "conditional"}
    link_sequence(builder, steps, targets)
    for node_id, wanted, path in triggers:
        entries = steps[:1] if wanted is None else []
        for step in entries:
            draft.add_edge(node_id, step.node_id, path)
        for target in wanted or []:
            builder.references.append(Reference(node_id, target, join(path, "next")))
    explicit_edges(document, builder)
    resolve_references(builder)
    return draft


def _explicit_ids(raw_steps: list) -> set[str]:
    ids: set[str] = set()
    for raw in raw_steps:
        if isinstance(raw, dict):
            if raw.get("id", raw.get("name")) is not None:
                ids.add(str(raw.get("id", raw.get("name"))))
            if isinstance(raw.get("body"), list):
                ids |= _explicit_ids(raw["body"])
    return ids


def link_sequence(builder: StepBuilder, steps: list[StepInfo], route_targets: set[str]) -> None:
    """Implicit flow: each step feeds the next, except out of routing steps and into route targets."""
    for index, info in enumerate(steps):
        if info.next is not None:
            for target in info.next:
                builder.references.append(Reference(info.node_id, target, join(info.path, "next")))
        elif not info.routes and index + 1 < len(steps) and steps[index + 1].node_id not in route_targets:
            builder.draft.add_edge(info.node_id, steps[index + 1].node_id, info.path)
        if info.body:
            builder.draft.add_edge(
                info.node_id, info.body[0].node_id, join(info.path, "body"), edge_label="loop_body"
            )
            link_sequence(builder, info.body, route_targets)
            last = info.body[-1]
            if last.next is None:
                builder.draft.add_edge(last.node_id, info.node_id, last.path, edge_label="loop_return")


def trigger_type(name: str) -> str:
    return name if name.startswith("trigger_") else f"trigger_{name}"


def compile_triggers(document: dict, builder: StepBuilder) -> list[tuple[str, list[str] | None, str]]:
    """[(node_id, explicit next or None, path)] for `trigger:` or `triggers:`."""
    problems = builder.problems
    if "trigger" in document and "triggers" in document:
        problems.add("triggers", "Use either `trigger` or `triggers`, not both.")
        return []
    if "triggers" in document:
        entries = [
            (raw, f"triggers[{i}]") for i, raw in enumerate(get_list(document, "triggers", "", problems))
        ]
    elif "trigger" in document:
        entries = [(document["trigger"], "trigger")]
    else:  # the reference's fragments show `trigger -> first step` without declaring one
        entries = [(DEFAULT_TRIGGER, "trigger")]
    made = []
    for raw, path in entries:
        trigger = add_trigger(raw, path, builder)
        if trigger is not None:
            made.append(trigger)
    return made


def add_trigger(raw: Any, path: str, builder: StepBuilder) -> tuple[str, list[str] | None, str] | None:
    problems = builder.problems
    if raw is None or raw == NO_TRIGGER or raw is False:
        if not registry.is_registered(SUBWORKFLOW_TRIGGER):
            return None
        raw = {"type": SUBWORKFLOW_TRIGGER}
    if isinstance(raw, str):
        raw = {"type": raw}
    if not isinstance(raw, dict):
        problems.add(path, f"Must be a trigger type or a mapping, not {type_name(raw)}.")
        return None
    for key in raw:
        if key not in TRIGGER_KEYS:
            problems.add(join(path, key), "Unknown trigger key.")
    name = get_str(raw, "type", path, problems, required=True)
    if not name:
        return None
    component_type = trigger_type(name)
    spec = registry.find(component_type)
    if spec is None or not spec.is_trigger:
        known = ", ".join(
            s.component_type.removeprefix("trigger_") for s in registry.all_specs() if s.is_trigger
        )
        problems.add(join(path, "type"), f"Unknown trigger type '{name}'; use one of {known} or none.")
        return None
    node_id = builder.claim_id(raw.get("id"), f"{component_type}_1", join(path, "id"))
    node = DraftNode(
        node_id=node_id,
        component_type=component_type,
        path=path,
        config={"extra_config": {}},
        label=str(raw.get("label") or ""),
        position=_position(raw.get("position"), join(path, "position"), problems),
    )
    if node.position is None:
        node.position = (
            100.0,
            200.0 + 150.0 * sum(1 for n in builder.draft.nodes.values() if n.spec.is_trigger),
        )
    merge_config(node, get_dict(raw, "config", path, problems))
    credential = raw.get("credential")
    if credential == "inherit":
        inherited = builder.parent.trigger_credential(component_type) if builder.parent else None
        if inherited is None:
            problems.add(
                join(path, "credential"),
                f"No '{component_type}' credential to inherit from the parent workflow.",
            )
        node.config["credential_id"] = inherited
    elif credential is not None:
        node.config["credential_id"] = credential
    builder.draft.add_node(node)
    wanted = str_list(raw["next"], join(path, "next"), problems) if "next" in raw else None
    return node_id, wanted, path


def explicit_edges(document: dict, builder: StepBuilder) -> None:
    """Top-level `edges:`: "a -> b" or {source, target, label, type, condition_value, priority}."""
    for index, raw in enumerate(get_list(document, "edges", "", builder.problems)):
        path = f"edges[{index}]"
        if isinstance(raw, str) and "->" in raw:
            source, target = (part.strip() for part in raw.split("->", 1))
            builder.references.append(Reference(source, target, path))
            continue
        if not isinstance(raw, dict):
            builder.problems.add(path, "Must be 'source -> target' or a mapping.")
            continue
        unknown = set(raw) - {"source", "target", "label", "type", "condition_value", "condition", "priority"}
        for key in sorted(unknown):
            builder.problems.add(join(path, key), "Unknown edge key.")
        source = get_str(raw, "source", path, builder.problems, required=True)
        target = get_str(raw, "target", path, builder.problems, required=True)
        condition = raw.get("condition_value", raw.get("condition"))
        fields = {
            "edge_label": str(raw.get("label") or ""),
            "edge_type": str(raw.get("type") or ("conditional" if condition is not None else "direct")),
            "condition_value": "" if condition is None else str(condition),
            "priority": raw.get("priority") or 0,
        }
        if not isinstance(fields["priority"], int):
            builder.problems.add(join(path, "priority"), "Must be a whole number.")
            fields["priority"] = 0
        if source and target:
            builder.references.append(Reference(source, target, path, fields))


def resolve_references(builder: StepBuilder) -> None:
    nodes = builder.draft.nodes
    for ref in builder.references:
        missing = [end for end in (ref.source, ref.target) if end not in nodes]
        if missing:
            builder.problems.add(ref.path, f"Unknown step '{missing[0]}'.")
            continue
        builder.draft.add_edge(ref.source, ref.target, ref.path, **ref.fields)
    builder.references.clear()
