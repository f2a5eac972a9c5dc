"""The product's ASGI app, plus the two node types bench/api.py draws with if the product lacks them."""

from apps.workflows import registry
from apps.workflows.registry import Category, ConfigKind, DataType, NodeTypeSpec, Port
from pipelit.asgi import application  # noqa: F401 - re-exported for daphne; sets Django up

BENCH_SPECS = [
    NodeTypeSpec(
        "trigger_manual",
        "Manual Trigger",
        Category.TRIGGER,
        outputs=(Port("payload", DataType.OBJECT),),
        config_kind=ConfigKind.TRIGGER,
        is_trigger=True,
    ),
    NodeTypeSpec(
        "code",
        "Code",
        Category.LOGIC,
        inputs=(Port("input", DataType.ANY),),
        outputs=(Port("output", DataType.ANY),),
        config_kind=ConfigKind.CODE,
    ),
]

for spec in BENCH_SPECS:
    if registry.find(spec.component_type) is None:
        registry.register(spec)
