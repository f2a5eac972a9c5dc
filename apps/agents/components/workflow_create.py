"""Workflow Create (`workflow_create`): an agent tool node that builds workflows from the YAML DSL."""

from apps.agents.components._common import TOOL_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "workflow_create",
    display_name="Workflow Create",
    category=Category.SELF_AWARENESS,
    description="Create a workflow from a YAML DSL document (new, or a fork of an existing one with patches).",
    outputs=[
        Port("result", DataType.STRING, description="workflow_id, slug, node_count, edge_count or errors")
    ],
    icon="wand",
    color=TOOL_COLOR,
    executable=False,
    is_sub_component=True,
)(None)
