"""Web Search tool: SearXNG search for agents."""

from apps.agents.components._common import TOOL_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "web_search",
    display_name="Web Search",
    category=Category.TOOL,
    description="Search the web through a SearXNG instance.",
    outputs=[Port("result", DataType.STRING)],
    config_schema={
        "type": "object",
        "properties": {
            "searxng_url": {"type": "string", "default": "http://localhost:8888"},
            "max_results": {"type": "integer", "minimum": 1, "maximum": 20, "default": 5},
            "timeout": {"type": "number", "minimum": 0.1, "default": 10},
        },
    },
    icon="search",
    color=TOOL_COLOR,
    executable=True,  # runs when the agent calls it: the canvas shows its status badge
    is_sub_component=True,
)(None)
