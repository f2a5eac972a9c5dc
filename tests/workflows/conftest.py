"""Node types the graph tests draw with, mirroring the reference's ports; production types live elsewhere."""

import pytest

from apps.workflows import registry
from apps.workflows.registry import Category, ConfigKind, DataType, NodeTypeSpec, Port, SubInput

TEST_SPECS = [
    NodeTypeSpec(
        "trigger_manual",
        "Manual Trigger",
        Category.TRIGGER,
        outputs=(Port("payload", DataType.OBJECT),),
        config_kind=ConfigKind.TRIGGER,
        is_trigger=True,
    ),
    NodeTypeSpec(
        "trigger_chat",
        "Chat Trigger",
        Category.TRIGGER,
        outputs=(
            Port("text", DataType.STRING),
            Port("files", DataType.ARRAY),
            Port("payload", DataType.OBJECT),
        ),
        config_kind=ConfigKind.TRIGGER,
        is_trigger=True,
    ),
    NodeTypeSpec(
        "switch",
        "Switch",
        Category.LOGIC,
        inputs=(Port("input", DataType.ANY, required=True),),
        outputs=(Port("route", DataType.STRING),),
        config_schema={
            "type": "object",
            "properties": {"rules": {"type": "array", "items": {"type": "object"}}},
            "required": ["rules"],
        },
        routes=True,
    ),
    NodeTypeSpec(
        "code",
        "Code",
        Category.LOGIC,
        inputs=(Port("input", DataType.ANY),),
        outputs=(Port("output", DataType.ANY),),
        config_kind=ConfigKind.CODE,
    ),
    NodeTypeSpec(
        "agent",
        "Agent",
        Category.AI,
        inputs=(Port("messages", DataType.MESSAGES, required=True),),
        outputs=(Port("messages", DataType.MESSAGES), Port("output", DataType.STRING)),
        sub_inputs=(SubInput.MODEL, SubInput.TOOLS, SubInput.MEMORY),
        required_sub_inputs=(SubInput.MODEL,),
        config_kind=ConfigKind.AI,
        config_schema={"type": "object", "properties": {"conversation_memory": {"type": "boolean"}}},
    ),
    NodeTypeSpec(
        "ai_model",
        "AI Model",
        Category.SUB_COMPONENT,
        outputs=(Port("model", DataType.OBJECT),),
        config_kind=ConfigKind.MODEL,
        executable=False,
        is_sub_component=True,
    ),
    NodeTypeSpec(
        "loop",
        "Loop",
        Category.LOGIC,
        inputs=(Port("items", DataType.ARRAY, required=True),),
        outputs=(Port("results", DataType.ARRAY),),
        loops=True,
    ),
    NodeTypeSpec(
        "calculator",
        "Calculator",
        Category.TOOL,
        inputs=(Port("expression", DataType.STRING),),
        outputs=(Port("result", DataType.NUMBER),),
    ),
    NodeTypeSpec(
        "workflow",
        "Subworkflow",
        Category.LOGIC,
        inputs=(Port("payload", DataType.ANY),),
        outputs=(Port("output", DataType.ANY),),
        config_kind=ConfigKind.SUBWORKFLOW,
        interrupts=True,
    ),
]


@pytest.fixture(autouse=True)
def node_types():
    """Register the test specs for one test, then put back whatever was registered before."""
    previous = {spec.component_type: registry.find(spec.component_type) for spec in TEST_SPECS}
    for spec in TEST_SPECS:
        registry.unregister(spec.component_type)
        registry.register(spec)
    yield {spec.component_type: spec for spec in TEST_SPECS}
    for name, spec in previous.items():
        registry.unregister(name)
        if spec is not None:
            registry.register(spec)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The factories set passwords; PBKDF2 at full strength would dominate these tests' run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
