"""Helpers of the page tests: sign in through the real login form; build a chat workflow that echoes."""

from playwright.sync_api import expect


def sign_in(page, base_url: str, username: str, password: str = "password123") -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/")


def chat_echo_workflow(workflow):
    """Give `workflow` a chat trigger wired to a code node that answers 'echo: <text>'."""
    from apps.workflows.models import WorkflowEdge
    from tests.factories import WorkflowNodeFactory

    chat = WorkflowNodeFactory(workflow=workflow, node_id="trigger_chat_1", component_type="trigger_chat")
    code = WorkflowNodeFactory(
        workflow=workflow,
        node_id="code_reply",
        component_type="code",
        position_x=320,
        config={"code": "result = 'echo: ' + trigger['text']"},
    )
    WorkflowEdge.objects.create(workflow=workflow, source=chat, target=code)
