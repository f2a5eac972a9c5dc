"""What the editor shows of the past after a page load: chat history and the latest run's node badges."""

from playwright.sync_api import expect

from apps.agents import conversations
from apps.workflows.models import WorkflowEdge
from tests.factories import WorkflowNodeFactory
from tests.web.pages_helpers import chat_echo_workflow


def _chat_workflow(page):
    chat_echo_workflow(page.workflow)
    thread_id = conversations.thread_id_for(user_id=page.user.pk, workflow_id=page.workflow.pk)
    conversations.history_clear(thread_id=thread_id)  # checkpoints outlive a test database, whose ids repeat
    return thread_id


def test_chat_panel_loads_the_server_history_pages_back_and_clears_it(editor):
    page = editor
    thread_id = _chat_workflow(page)
    for i in range(6):  # 12 messages: the panel shows the newest 10
        conversations.append(thread_id, user=f"question {i}", assistant=f"answer {i}")
    page.reload()
    log = page.get_by_role("log", name="Chat messages")
    expect(log.locator(".chat-message")).to_have_count(10)
    expect(log).to_contain_text("answer 5")
    expect(log).not_to_contain_text("question 0")
    page.get_by_role("button", name="Earlier messages").click()
    expect(log.locator(".chat-message")).to_have_count(12)
    expect(log.locator(".chat-message").first).to_contain_text("question 0")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Clear chat history").click()
    expect(log.locator(".chat-message")).to_have_count(0)
    expect(log).to_contain_text("No messages yet.")
    assert conversations.load(thread_id) == []


def test_chat_reply_appears_after_the_history_and_survives_a_reload_button(editor, celery_worker):
    page = editor
    thread_id = _chat_workflow(page)
    conversations.append(thread_id, user="earlier question", assistant="earlier answer")
    page.reload()
    expect(page.locator("#socket-state")).to_have_text("live")
    log = page.get_by_role("log", name="Chat messages")
    expect(log).to_contain_text("earlier answer")
    page.get_by_role("textbox", name="Message").fill("ping")
    page.get_by_role("button", name="Send").click()
    expect(log.locator(".chat-message--assistant").last).to_contain_text("echo: ping", timeout=30_000)
    expect(log.locator(".chat-message").first).to_contain_text("earlier question")
    # Reload re-reads the server's history (code nodes keep no conversation memory: the live turn goes).
    page.get_by_role("button", name="Reload chat history").click()
    expect(log.locator(".chat-message")).to_have_count(2)


def test_badges_of_the_latest_run_are_rebuilt_after_a_page_reload(editor, celery_worker):
    page = editor
    trigger = WorkflowNodeFactory(
        workflow=page.workflow, node_id="trigger_manual_1", component_type="trigger_manual", position_x=60
    )
    good = WorkflowNodeFactory(
        workflow=page.workflow,
        node_id="code_good",
        component_type="code",
        position_x=340,
        config={"code": "result = {'answer': 6 * 7}"},
    )
    bad = WorkflowNodeFactory(
        workflow=page.workflow,
        node_id="code_bad",
        component_type="code",
        position_x=620,
        config={"code": "raise ValueError('kaboom')"},
    )
    WorkflowEdge.objects.create(workflow=page.workflow, source=trigger, target=good)
    WorkflowEdge.objects.create(workflow=page.workflow, source=good, target=bad)
    page.reload()
    expect(page.locator("#socket-state")).to_have_text("live")
    expect(page.locator("#badge-code_good")).to_have_class("node-badge")  # idle: never ran
    page.get_by_role("button", name="Run trigger_manual_1").click()
    expect(page.locator("#badge-code_bad")).to_have_class("node-badge node-badge--failed", timeout=30_000)

    page.reload()
    expect(page.locator("body")).to_have_attribute("data-canvas-ready", "true")
    expect(page.locator("#badge-trigger_manual_1")).to_have_class("node-badge node-badge--success")
    expect(page.locator("#badge-code_good")).to_have_class("node-badge node-badge--success")
    expect(page.locator("#badge-code_bad")).to_have_class("node-badge node-badge--failed")
    popover = page.get_by_role("dialog", name="Node output")
    page.locator("#badge-code_good").get_by_role("link", name="output").click()
    expect(popover.locator("pre")).to_contain_text('"answer": 42')
    page.keyboard.press("Escape")
    page.locator("#badge-code_bad").get_by_role("link", name="error").click()
    expect(popover).to_contain_text("Error of code_bad")
    expect(popover.locator("pre")).to_contain_text("kaboom")
