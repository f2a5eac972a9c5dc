"""Self-awareness tools about the agent itself: whoami, create_agent_user, get_totp_code."""

from __future__ import annotations

from django.conf import settings

from .context import ToolContext, ToolRefused, json_tool, kit_tool

PROMPT_SHOWN = 1000


def api_base_url(tool_context: ToolContext) -> str:
    return str(tool_context.tool_config.get("api_base_url") or settings.PIPELIT_API_BASE_URL).rstrip("/")


def _agent_config(tool_context: ToolContext) -> dict:
    from apps.workflows.selectors import node_get
    from apps.workflows.serializers import serialize_node

    return serialize_node(node_get(workflow=tool_context.workflow, node_id=tool_context.agent_node_id))


def whoami_tools(tool_context: ToolContext) -> list:
    @json_tool
    def whoami() -> dict:
        owner = tool_context.owner
        workflow = tool_context.workflow
        node = _agent_config(tool_context)
        config = node["config"] or {}
        prompt = config.get("system_prompt") or ""
        execution = tool_context.execution
        endpoint = f"/api/v1/workflows/{workflow.slug}/nodes/{tool_context.agent_node_id}/"
        return {
            "identity": {
                "workflow_slug": workflow.slug,
                "workflow_id": workflow.pk,
                "workflow_name": workflow.name,
                "node_id": tool_context.agent_node_id,
                "component_type": node["component_type"],
                "execution_id": tool_context.execution_id if execution is not None else None,
                "acting_user": {"id": owner.pk, "username": owner.username, "role": owner.role},
                "triggered_by": execution.triggered_by.username
                if execution is not None and execution.triggered_by_id
                else None,
            },
            "current_config": {
                "system_prompt": prompt if len(prompt) <= PROMPT_SHOWN else prompt[:PROMPT_SHOWN] + "...",
                "system_prompt_length": len(prompt),
                "extra_config": config.get("extra_config") or {},
            },
            "self_modification": {
                "endpoint": endpoint,
                "method": "PATCH",
                "example_body": {"config": {"system_prompt": "Your new system prompt here"}},
                "instructions": [
                    "1. Use create_agent_user to get API credentials if you don't have them",
                    "2. Use platform_api with method='PATCH' to update your configuration",
                    "3. Changes take effect on the next execution/conversation",
                ],
            },
        }

    return [
        kit_tool(
            whoami,
            description="Who am I: my workflow, node id, execution, the user I act for, my current "
            "system prompt, and how to change my own configuration.",
        )
    ]


def create_agent_user_tools(tool_context: ToolContext) -> list:
    @json_tool
    def create_agent_user(purpose: str = "") -> dict:
        from apps.agents.services.agents import agent_user_ensure
        from apps.audit.context import acting_as

        if tool_context.workflow is None:
            raise ToolRefused("this tool needs a saved workflow")
        # The tool acts for the workflow's owner: the account, its TOTP and key changes are theirs.
        with acting_as(
            user=tool_context.owner, workflow=tool_context.workflow, request_id=tool_context.execution_id
        ):
            user, raw_key, existed = agent_user_ensure(
                owner=tool_context.owner,
                workflow=tool_context.workflow,
                agent_node_id=tool_context.agent_node_id,
                purpose=purpose or "Self-modification agent",
            )
        return {
            "success": True,
            "username": user.username,
            "api_key": raw_key,
            "api_base_url": api_base_url(tool_context),
            "purpose": user.purpose,
            "already_existed": existed,
        }

    return [
        kit_tool(
            create_agent_user,
            description="Get API credentials (username, api_key) for this agent's own platform user, "
            "creating it on first use. Use the key with platform_api.",
        )
    ]


def get_totp_code_tools(tool_context: ToolContext) -> list:
    @json_tool
    def get_totp_code(username: str = "") -> dict:
        from apps.agents.models import User
        from apps.agents.services.agents import agent_user_for_node
        from apps.agents.services.mfa import mfa_current_code

        owner = tool_context.owner
        if username:
            # Only agent users the acting user created: a TOTP code is a credential.
            user = User.objects.filter(username=username, role="agent", created_by=owner).first()
        else:
            user = agent_user_for_node(
                owner=owner,
                workflow_slug=tool_context.workflow_slug,
                agent_node_id=tool_context.agent_node_id,
            )
        if user is None:
            raise ToolRefused("agent user not found; call create_agent_user first")
        return {"success": True, "username": user.username, "totp_code": mfa_current_code(user=user)}

    return [
        kit_tool(
            get_totp_code,
            description="The current 6-digit TOTP code of this agent's user (or of another agent user "
            "created by the same owner, by username). Codes rotate every 30 seconds.",
        )
    ]
