"""AI Model: which provider credential and model an AI node calls (attached over an `llm` edge)."""

from apps.agents.components._common import MODEL_COLOR
from apps.workflows.registry import Category, ConfigKind, DataType, Port, node_type

node_type(
    "ai_model",
    display_name="AI Model",
    category=Category.SUB_COMPONENT,
    description="LLM provider credential and model settings for an agent, categorizer or extractor.",
    outputs=[Port("model", DataType.OBJECT, description="The configured chat model")],
    config_kind=ConfigKind.MODEL,
    config_schema={
        "type": "object",
        "properties": {
            "context_window": {
                "type": "integer",
                "minimum": 1,
                "description": "Override the model's context window (tokens) used for trimming",
            },
        },
    },
    icon="cpu",
    color=MODEL_COLOR,
    executable=False,
    is_sub_component=True,
)(None)
