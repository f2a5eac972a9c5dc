"""Fork mode: clone the `based_on` workflow into a draft, then apply each patch in order."""

from __future__ import annotations

from typing import Any

from apps.workflows import registry, selectors
from apps.workflows.dsl.attachments import tool_type
from apps.workflows.dsl.compiler import add_trigger, meta_of, resolve_references
from apps.workflows.dsl.draft import DraftNode, GraphDraft, merge_config
from apps.workflows.dsl.parser import get_dict, get_list, get_str, join, type_name
from apps.workflows.dsl.source import draft_from_workflow
from apps.workflows.dsl.steps import StepBuilder
from apps.workflows.models import ConfigKind, Workflow
from apps.workflows.registry import SubInput

ACTIONS = (
    "add_step",
    "remove_step",
    "update_prompt",
    "update_config",
    "add_tool",
    "remove_tool",
    "update_trigger",
    "update_model",
)


def compile_fork(document: dict, *, builder: StepBuilder) -> GraphDraft:
    problems = builder.problems
    slug = get_str(document, "based_on", "", problems, required=True)
    source = Workflow.objects.alive().filter(slug=slug).first() if slug else None
    if slug and (source is None or not _readable(builder.owner, source)):
        problems.add("based_on", f"Workflow '{slug}' not found.")
    if source is None:
        return builder.draft
    draft = draft_from_workflow(source)
    draft.meta["name"] = f"{source.name} (fork)"
    draft.meta.update(meta_of(document, problems))
    builder.draft = draft
    builder.column = 1 + max((int((n.position or (0, 0))[0]) // 300 for n in draft.nodes.values()), default=0)
    for index, patch in enumerate(get_list(document, "patches", "", problems)):
        apply_patch(patch, f"patches[{index}]", builder)
    return draft


def _readable(user, workflow: Workflow) -> bool:
    return workflow.is_public or selectors.user_can_write(user=user, workflow=workflow)


def apply_patch(patch: Any, path: str, builder: StepBuilder) -> None:
    if not isinstance(patch, dict):
        builder.problems.add(path, f"A patch must be a mapping, not {type_name(patch)}.")
        return
    action = patch.get("action", patch.get("type"))
    if action not in ACTIONS:
        builder.problems.add(
            join(path, "action"), f"Unknown patch action {action!r}; use one of {', '.join(ACTIONS)}."
        )
        return
    HANDLERS[action](patch, path, builder)
    resolve_references(builder)


def _node(patch: dict, keys: tuple[str, ...], path: str, builder: StepBuilder) -> DraftNode | None:
    """The node a patch names under the first of `keys` present (e.g. step_id, step)."""
    key = next((k for k in keys if k in patch), keys[0])
    node_id = get_str(patch, key, path, builder.problems, required=True)
    if not node_id:
        return None
    node = builder.draft.nodes.get(node_id)
    if node is None:
        builder.problems.add(join(path, key), f"No step '{node_id}' in the workflow.")
    return node


def _add_step(patch: dict, path: str, builder: StepBuilder) -> None:
    draft = builder.draft
    after = _node(patch, ("after",), path, builder)
    if after is None:
        return
    info = builder.step(patch.get("step"), join(path, "step"), len(draft.nodes))
    if info is None:
        return
    new = draft.nodes[info.node_id]
    if after.position:
        new.position = (after.position[0] + 150.0, after.position[1] + 120.0)
    moved = [
        e for e in draft.outgoing(after.node_id, flow=True) if e.edge_type == "direct" and e.edge_label == ""
    ]
    for edge in moved:
        if info.next is None:
            edge.source = info.node_id
    draft.add_edge(after.node_id, info.node_id, path)
    if info.next is not None:
        from apps.workflows.dsl.steps import Reference

        for target in info.next:
            builder.references.append(Reference(info.node_id, target, join(join(path, "step"), "next")))


def _remove_step(patch: dict, path: str, builder: StepBuilder) -> None:
    draft = builder.draft
    node = _node(patch, ("step_id", "step"), path, builder)
    if node is None:
        return
    incoming = [e for e in draft.incoming(node.node_id, flow=True) if e.edge_label == ""]
    outgoing = [e for e in draft.outgoing(node.node_id, flow=True) if e.edge_label == ""]
    for owned in draft.exclusively_attached(node.node_id):
        draft.remove_node(owned.node_id)
    draft.remove_node(node.node_id)
    for into in incoming:
        for out in outgoing:
            if into.source != out.target:
                draft.add_edge(
                    into.source,
                    out.target,
                    path,
                    edge_type=into.edge_type,
                    condition_value=into.condition_value,
                    priority=into.priority,
                )


def _update_prompt(patch: dict, path: str, builder: StepBuilder) -> None:
    node = _node(patch, ("step_id", "step"), path, builder)
    if node is None:
        return
    kind = node.spec.config_kind
    if "snippet" in patch and kind == ConfigKind.CODE:
        node.config["code"] = get_str(patch, "snippet", path, builder.problems) or ""
    elif "prompt" in patch and kind == ConfigKind.AI:
        node.config["system_prompt"] = get_str(patch, "prompt", path, builder.problems) or ""
    elif "prompt" in patch and "prompt" in (node.spec.config_schema.get("properties") or {}):
        node.extra["prompt"] = get_str(patch, "prompt", path, builder.problems) or ""
    else:
        field = "snippet" if "snippet" in patch else "prompt"
        builder.problems.add(
            join(path, field), f"Step '{node.node_id}' is a '{node.component_type}' node; it has no {field}."
        )


def _update_config(patch: dict, path: str, builder: StepBuilder) -> None:
    node = _node(patch, ("step_id", "step"), path, builder)
    config = get_dict(patch, "config", path, builder.problems)
    if "config" not in patch:
        builder.problems.add(join(path, "config"), "Required.")
    if node is not None and config:
        merge_config(node, config)


def _agent(patch: dict, path: str, builder: StepBuilder, sub: SubInput) -> DraftNode | None:
    node = _node(patch, ("agent_id", "step_id", "step"), path, builder)
    if node is not None and sub not in node.spec.sub_inputs:
        builder.problems.add(
            path, f"Step '{node.node_id}' is a '{node.component_type}' node; it takes no {sub}."
        )
        return None
    return node


def _add_tool(patch: dict, path: str, builder: StepBuilder) -> None:
    agent = _agent(patch, path, builder, SubInput.TOOLS)
    if "tool" not in patch:
        builder.problems.add(join(path, "tool"), "Required.")
    elif agent is not None:
        builder.attacher.one(agent, patch["tool"], join(path, "tool"), label="tool")


def _remove_tool(patch: dict, path: str, builder: StepBuilder) -> None:
    agent = _agent(patch, path, builder, SubInput.TOOLS)
    name = get_str(patch, "tool_type", path, builder.problems) or get_str(
        patch, "tool", path, builder.problems
    )
    if not name:
        builder.problems.add(join(path, "tool_type"), "Required.")
        return
    if agent is None:
        return
    wanted = tool_type(name)
    tools = [n for n in builder.draft.attached(agent.node_id, "tool") if n.component_type in (wanted, name)]
    if not tools:
        builder.problems.add(join(path, "tool_type"), f"Agent '{agent.node_id}' has no '{name}' tool.")
    draft = builder.draft
    for tool in tools:
        draft.edges = [e for e in draft.edges if not (e.source == tool.node_id and e.target == agent.node_id)]
        if not [e for e in draft.edges if tool.node_id in (e.source, e.target)]:
            draft.remove_node(tool.node_id)


def _update_model(patch: dict, path: str, builder: StepBuilder) -> None:
    agent = _agent(patch, path, builder, SubInput.MODEL)
    if "model" not in patch:
        builder.problems.add(join(path, "model"), "Required.")
        return
    if agent is None:
        return
    draft = builder.draft
    for model in draft.attached(agent.node_id, "llm"):
        draft.edges = [
            e for e in draft.edges if not (e.source == model.node_id and e.target == agent.node_id)
        ]
        if not [e for e in draft.edges if model.node_id in (e.source, e.target)]:
            draft.remove_node(model.node_id)
    builder.attacher.model(agent, patch["model"], join(path, "model"))


def _update_trigger(patch: dict, path: str, builder: StepBuilder) -> None:
    """Swap the trigger (or the one named by `trigger.id`/`step_id`), keeping where it leads."""
    draft = builder.draft
    if "trigger" not in patch:
        builder.problems.add(join(path, "trigger"), "Required.")
        return
    spec = patch["trigger"]
    triggers = [n for n in draft.nodes.values() if n.spec.is_trigger]
    named = patch.get("step_id") or (spec.get("replace") if isinstance(spec, dict) else None)
    if named:
        triggers = [n for n in triggers if n.node_id == named]
        if not triggers:
            builder.problems.add(join(path, "step_id"), f"No trigger '{named}' in the workflow.")
            return
    elif len(triggers) > 1:
        builder.problems.add(path, "The workflow has several triggers; name one with `step_id`.")
        return
    targets = _entry_targets(draft) if not triggers else []
    for old in triggers:
        targets += [e.target for e in draft.outgoing(old.node_id, flow=True)]
        draft.remove_node(old.node_id)
    if isinstance(spec, dict):
        spec = {k: v for k, v in spec.items() if k != "replace"}
    made = add_trigger(spec, join(path, "trigger"), builder)
    if made is None:
        return
    node_id, wanted, where = made
    for target in wanted if wanted is not None else list(dict.fromkeys(targets)):
        if target in draft.nodes:
            draft.add_edge(node_id, target, where)
        else:
            builder.problems.add(join(where, "next"), f"Unknown step '{target}'.")


def _entry_targets(draft: GraphDraft) -> list[str]:
    """Where a new trigger leads when there was none: steps nothing flows into."""
    fed = {e.target for e in draft.edges if e.is_flow}
    attached = {e.source for e in draft.edges if not e.is_flow}
    return [
        n.node_id
        for n in draft.nodes.values()
        if n.node_id not in fed
        and n.node_id not in attached
        and not registry.get(n.component_type).is_sub_component
    ]


HANDLERS = {
    "add_step": _add_step,
    "remove_step": _remove_step,
    "update_prompt": _update_prompt,
    "update_config": _update_config,
    "add_tool": _add_tool,
    "remove_tool": _remove_tool,
    "update_trigger": _update_trigger,
    "update_model": _update_model,
}
