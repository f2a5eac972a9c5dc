"""Output Parser: how a categorizer, router or extractor turns the model's reply into data."""

from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "output_parser",
    display_name="Output Parser",
    category=Category.SUB_COMPONENT,
    description="Parse an LLM reply as JSON, regex matches or a list.",
    inputs=[Port("text", DataType.STRING)],
    outputs=[Port("parsed", DataType.OBJECT)],
    config_schema={
        "type": "object",
        "properties": {
            "parser_type": {"type": "string", "enum": ["json", "regex", "list"], "default": "json"},
            "pattern": {"type": "string", "description": "Regex (parser_type regex)"},
            "schema": {"type": "object", "description": "JSON schema the extractor validates against"},
        },
    },
    icon="braces",
    color="#94a3b8",
    executable=False,
    is_sub_component=True,
)(None)
