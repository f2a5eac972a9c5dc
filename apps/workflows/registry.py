"""The node-type registry: every component module declares its spec and run function here.

A component module (e.g. `apps/execution/components/switch.py`) looks like:

    @node_type(
        "switch", display_name="Switch", category=Category.LOGIC,
        inputs=[Port("input", DataType.ANY)], outputs=[Port("route", DataType.STRING)],
        config_schema={...}, routes=True,
    )
    def run(ctx) -> dict: ...

Apps list their component packages in `AppConfig.component_packages`; `ready()` imports every module
in them, so registration happens once per process at start-up. The REST `node-types/` endpoint, edge
validation, the editor palette, the config forms and the orchestrator all read this one registry and
dispatch on the capability flags below, never on type names.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class DataType(StrEnum):
    STRING = "STRING"
    NUMBER = "NUMBER"
    BOOLEAN = "BOOLEAN"
    OBJECT = "OBJECT"
    ARRAY = "ARRAY"
    MESSAGES = "MESSAGES"
    ANY = "ANY"


class Category(StrEnum):
    TRIGGER = "trigger"
    AI = "ai"
    LOGIC = "logic"
    TOOL = "tool"
    SUB_COMPONENT = "sub_component"
    MEMORY = "memory"
    SELF_AWARENESS = "self_awareness"


class SubInput(StrEnum):
    """Diamond handles on the bottom of a node; each maps to the edge label that feeds it."""

    MODEL = "model"
    TOOLS = "tools"
    MEMORY = "memory"
    OUTPUT_PARSER = "output_parser"


# Edge label that connects a sub-component into each sub-input.
SUB_INPUT_EDGE_LABEL = {
    SubInput.MODEL: "llm",
    SubInput.TOOLS: "tool",
    SubInput.MEMORY: "memory",
    SubInput.OUTPUT_PARSER: "output_parser",
}


class ConfigKind(StrEnum):
    """Which ComponentConfig subclass stores a node's config (see apps.workflows.models)."""

    BASE = "base"
    MODEL = "model"
    AI = "ai"
    TRIGGER = "trigger"
    CODE = "code"
    SUBWORKFLOW = "subworkflow"


@dataclass(frozen=True)
class Port:
    name: str
    data_type: DataType = DataType.ANY
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class NodeTypeSpec:
    component_type: str
    display_name: str
    category: Category
    description: str = ""
    inputs: tuple[Port, ...] = ()
    outputs: tuple[Port, ...] = ()
    sub_inputs: tuple[SubInput, ...] = ()
    required_sub_inputs: tuple[SubInput, ...] = ()
    config_kind: ConfigKind = ConfigKind.BASE
    config_schema: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    icon: str = "box"
    color: str = "#64748b"
    # Capability flags: the engine and the editor read these, never the type name.
    executable: bool = True
    is_trigger: bool = False
    is_sub_component: bool = False  # attaches to a parent's sub-input (model, tool, memory, parser)
    interrupts: bool = False  # may pause the execution (interrupt()/resume)
    routes: bool = False  # emits `_route`; conditional edges may leave it
    loops: bool = False  # owns loop_body/loop_return edges
    fan_in: bool = False  # waits for every live upstream branch
    # Quick, and without effects outside the run (safe to run again after a crash). A run whose nodes
    # are all light (or triggers) is not checkpointed per step and writes its log rows in batches.
    light: bool = False
    run: Callable[..., dict] | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("run")
        data["inputs"] = [asdict(p) for p in self.inputs]
        data["outputs"] = [asdict(p) for p in self.outputs]
        return data

    def input_port(self, name: str) -> Port | None:
        return next((p for p in self.inputs if p.name == name), None)

    def output_port(self, name: str) -> Port | None:
        return next((p for p in self.outputs if p.name == name), None)


class UnknownNodeType(KeyError):
    pass


_REGISTRY: dict[str, NodeTypeSpec] = {}
_version = 0  # bumped on every change, so derived views (the node-types document) know when to rebuild


def version() -> int:
    return _version


def register(spec: NodeTypeSpec) -> NodeTypeSpec:
    existing = _REGISTRY.get(spec.component_type)
    if (
        existing is not None
        and existing.run is not None
        and spec.run is not None
        and existing.run is not spec.run
    ):
        raise ValueError(f"node type {spec.component_type!r} is registered twice")
    global _version
    _REGISTRY[spec.component_type] = spec
    _version += 1
    return spec


def unregister(component_type: str) -> None:
    global _version
    _REGISTRY.pop(component_type, None)
    _version += 1


def node_type(component_type: str, **spec_fields: Any) -> Callable[[Callable[..., dict] | None], Callable]:
    """Decorator for a component's run function: registers its spec with `run` attached."""
    for key in ("inputs", "outputs", "sub_inputs", "required_sub_inputs"):
        if key in spec_fields:
            spec_fields[key] = tuple(spec_fields[key])

    def decorate(run: Callable[..., dict] | None) -> Callable:
        register(NodeTypeSpec(component_type=component_type, run=run, **spec_fields))
        return run

    return decorate


def get(component_type: str) -> NodeTypeSpec:
    try:
        return _REGISTRY[component_type]
    except KeyError:
        raise UnknownNodeType(component_type) from None


def find(component_type: str) -> NodeTypeSpec | None:
    return _REGISTRY.get(component_type)


def all_specs() -> list[NodeTypeSpec]:
    return sorted(_REGISTRY.values(), key=lambda s: (s.category, s.component_type))


def is_registered(component_type: str) -> bool:
    return component_type in _REGISTRY


def autodiscover(package: str) -> None:
    """Import every module of a component package so its decorators run."""
    module = importlib.import_module(package)
    for info in pkgutil.iter_modules(module.__path__, prefix=f"{package}."):
        importlib.import_module(info.name)
