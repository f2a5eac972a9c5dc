"""whoami, create_agent_user and get_totp_code: the agent's identity and its own platform user."""

import pyotp
import pytest

from apps.agents.models import ApiKey, User
from apps.agents.tools.identity_tools import create_agent_user_tools, get_totp_code_tools, whoami_tools
from apps.agents.tools.platform_api import _session_key
from pipelit import crypto
from tests.factories import AgentUserFactory, UserFactory, WorkflowFactory

pytestmark = pytest.mark.django_db


def test_whoami_reports_workflow_node_execution_user_and_how_to_self_modify(
    tool_context, workflow, execution, owner, call
):
    answer = call(whoami_tools(tool_context), "whoami")
    identity = answer["identity"]
    assert identity["workflow_slug"] == "tools-flow" and identity["workflow_id"] == workflow.pk
    assert identity["node_id"] == "agent" and identity["component_type"] == "agent"
    assert identity["execution_id"] == str(execution.execution_id)
    assert identity["acting_user"] == {"id": owner.pk, "username": "tool-owner", "role": "normal"}
    assert answer["current_config"]["system_prompt"] == "You plan work."
    assert answer["current_config"]["system_prompt_length"] == len("You plan work.")
    assert answer["self_modification"]["endpoint"] == "/api/v1/workflows/tools-flow/nodes/agent/"


def test_create_agent_user_is_idempotent_owned_by_the_owner_with_totp_and_workflow_access(
    tool_context, workflow, owner, call
):
    tools = create_agent_user_tools(tool_context)
    first = call(tools, "create_agent_user", purpose="Self-improvement")
    assert first["success"] is True and first["already_existed"] is False
    assert first["username"] == "agent_tools-flow_agent" and first["api_key"].startswith("plt_")
    agent = User.objects.get(username=first["username"])
    assert agent.is_agent and agent.created_by == owner and agent.purpose == "Self-improvement"
    assert not agent.has_usable_password() and agent.mfa_enabled and agent.totp_secret_encrypted
    assert workflow.collaborators.filter(pk=agent.pk).exists()

    second = call(tools, "create_agent_user")
    assert second["already_existed"] is True and second["username"] == first["username"]
    assert second["api_key"] != first["api_key"]
    assert User.objects.filter(role="agent").count() == 1
    # Both keys work: an earlier execution's key is not pulled from under it.
    assert ApiKey.objects.filter(user=agent).usable().count() == 2


def test_only_the_newest_tool_keys_stay_active(tool_context, call):
    tools = create_agent_user_tools(tool_context)
    for _ in range(7):
        call(tools, "create_agent_user")
    agent = User.objects.get(role="agent")
    assert ApiKey.objects.filter(user=agent, name="agent-tool").usable().count() == 5


def test_an_agent_owned_workflow_cannot_mint_agent_users(owner, call):
    from apps.agents.tools.context import ToolContext

    agent_owner = AgentUserFactory(created_by=owner)
    flow = WorkflowFactory(owner=agent_owner, slug="agent-flow")
    context = ToolContext(execution_id="x", workflow_slug=flow.slug, agent_node_id="a", tool_node_id="t")
    answer = call(create_agent_user_tools(context), "create_agent_user")
    assert answer == {"success": False, "error": "An agent user cannot create agent users."}
    assert User.objects.filter(role="agent").count() == 1


def test_a_username_taken_by_someone_else_is_not_handed_out(tool_context, call):
    UserFactory(username="agent_tools-flow_agent")  # a human who picked that name
    answer = call(create_agent_user_tools(tool_context), "create_agent_user")
    assert answer["success"] is False and "another account" in answer["error"]
    assert not ApiKey.objects.exists()


def test_get_totp_code_returns_the_current_code_of_the_agent_user(tool_context, call):
    answer = call(get_totp_code_tools(tool_context), "get_totp_code")
    assert answer["success"] is False and "create_agent_user first" in answer["error"]
    username = call(create_agent_user_tools(tool_context), "create_agent_user")["username"]
    answer = call(get_totp_code_tools(tool_context), "get_totp_code")
    agent = User.objects.get(username=username)
    secret = crypto.decrypt(agent.totp_secret_encrypted)
    assert answer["username"] == username and pyotp.TOTP(secret).verify(answer["totp_code"], valid_window=1)


def test_get_totp_code_of_another_owners_agent_is_refused(tool_context, call):
    foreign = AgentUserFactory(username="agent_foreign", created_by=UserFactory(username="other"))
    foreign.totp_secret_encrypted = crypto.encrypt(pyotp.random_base32())
    foreign.save()
    answer = call(get_totp_code_tools(tool_context), "get_totp_code", username="agent_foreign")
    assert answer == {"success": False, "error": "agent user not found; call create_agent_user first"}


def test_session_keys_are_short_lived_and_reused(tool_context, call):
    call(create_agent_user_tools(tool_context), "create_agent_user")
    first, again = _session_key(tool_context), _session_key(tool_context)
    assert first == again
    key = ApiKey.objects.get(name="agent-session")
    assert key.expires_at is not None and key.user.is_agent
