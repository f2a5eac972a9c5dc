"""Keyboard and screen-reader basics on every page: each control has an accessible name, and keyboard
focus is visible. One user with a little of everything, then each page is checked in Chromium."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.agents import conversations, services
from apps.execution.models import ExecutionLog, WorkflowExecution
from apps.workflows.models import WorkflowEdge
from tests.factories import LLMCredentialFactory, UserFactory, WorkflowFactory, WorkflowNodeFactory
from tests.web.pages_helpers import sign_in

# An element's accessible name, close enough to the spec for these basics: aria-label(ledby), <label>,
# its text, a title; images and SVG inside count through their own labels.
UNNAMED_CONTROLS = """() => {
  const nameOf = (el) => {
    const labelledby = el.getAttribute("aria-labelledby");
    const byId = labelledby && labelledby.split(/\\s+/).map((id) => document.getElementById(id)?.textContent || "").join(" ");
    return [el.getAttribute("aria-label"), byId, el.labels && [...el.labels].map((l) => l.textContent).join(" "),
            el.textContent, el.getAttribute("title"), el.type === "submit" ? el.value : ""]
      .map((v) => (v || "").trim()).find(Boolean);
  };
  const controls = document.querySelectorAll(
    "button, input:not([type=hidden]), select, textarea, a[href], [role=button], [tabindex='0'], summary");
  return [...controls].filter((el) => !el.closest("[hidden], template, dialog:not([open])") && !nameOf(el))
    .map((el) => el.outerHTML.slice(0, 160));
}"""

FOCUS_RING = """() => {
  const s = getComputedStyle(document.activeElement);
  return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0 || s.boxShadow !== "none";
}"""


@pytest.fixture
def everything(transactional_db):
    user = UserFactory(username="ally")
    workflow = WorkflowFactory(owner=user, slug="a11y", name="Accessible", tags=["demo"])
    chat = WorkflowNodeFactory(workflow=workflow, node_id="trigger_chat_1", component_type="trigger_chat")
    code = WorkflowNodeFactory(workflow=workflow, node_id="code_1", component_type="code", position_x=300)
    switch = WorkflowNodeFactory(
        workflow=workflow,
        node_id="switch_1",
        component_type="switch",
        position_x=600,
        config={"extra_config": {"rules": [{"id": "big", "label": "big"}], "enable_fallback": True}},
    )
    WorkflowNodeFactory(workflow=workflow, node_id="agent_1", component_type="agent", position_y=300)
    WorkflowEdge.objects.create(workflow=workflow, source=chat, target=code)
    WorkflowEdge.objects.create(workflow=workflow, source=code, target=switch)
    execution = WorkflowExecution.objects.create(
        workflow=workflow, status="failed", started_at=timezone.now(), error_message="boom"
    )
    ExecutionLog.objects.create(execution=execution, node_id="code_1", status="failed", error="boom")
    conversations.append(
        conversations.thread_id_for(user_id=user.pk, workflow_id=workflow.pk), user="hi", assistant="yo"
    )
    LLMCredentialFactory(created_by=user)
    services.memory_fact_remember(key="colour", value="teal")
    epic = services.epic_create(user=user, title="Big plan", description="Steps")
    services.task_create(epic=epic, title="Step one", description="first")
    return {"user": user, "execution": execution, "epic": epic}


def test_every_control_on_every_page_has_a_name_and_focus_is_visible(page, asgi_server, everything):
    sign_in(page, asgi_server.url, "ally")
    pages = [
        "/",
        "/workflows/a11y/",
        "/executions/",
        f"/executions/{everything['execution'].execution_id}/",
        "/credentials/",
        "/schedules/",
        "/memories/",
        "/memories/?tab=episodes",
        "/epics/",
        f"/epics/{everything['epic'].pk}/",
    ]
    problems = {}
    for path in pages:
        page.goto(asgi_server.url + path)
        if path == "/workflows/a11y/":
            expect(page.locator("body")).to_have_attribute("data-canvas-ready", "true")
            expect(page.get_by_role("log", name="Chat messages")).to_contain_text("yo")
            page.locator("#node-code_1").click()  # the details panel's form and variable picker too
            expect(page.locator("#details-panel form")).to_be_visible()
        unnamed = page.evaluate(UNNAMED_CONTROLS)
        if unnamed:
            problems[path] = unnamed
        page.keyboard.press("Tab")  # the skip link, then the first control of the page
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_RING), f"no visible focus on {path}"
    assert problems == {}
