"""Workflow Discover (`workflow_discover`): an agent tool node that finds reusable workflows by requirements."""

from apps.agents.components._common import TOOL_COLOR
from apps.workflows.registry import Category, DataType, Port, node_type

node_type(
    "workflow_discover",
    display_name="Workflow Discover",
    category=Category.SELF_AWARENESS,
    description="Score existing workflows against requirements: has/missing/extra, match_score, recommendation.",
    outputs=[Port("result", DataType.STRING, description="matches (best first) and total_searched")],
    icon="compass",
    color=TOOL_COLOR,
    executable=False,
    is_sub_component=True,
)(None)
