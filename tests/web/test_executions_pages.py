"""Execution pages in Chromium: the Gantt timeline, live status over the editor socket, bulk delete."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from apps.execution.models import ExecutionLog, WorkflowExecution
from pipelit import events
from tests.factories import UserFactory, WorkflowFactory
from tests.web.pages_helpers import sign_in


def add_log(execution, node_id, status, start_ms, duration_ms, **fields):
    ExecutionLog.objects.create(
        execution=execution,
        node_id=node_id,
        status=status,
        started_at=execution.started_at + timedelta(milliseconds=start_ms),
        duration_ms=duration_ms,
        **fields,
    )


def test_execution_detail_shows_one_gantt_bar_per_node(page, asgi_server, transactional_db):
    user = UserFactory(username="nia")
    workflow = WorkflowFactory(owner=user, slug="parallel")
    execution = WorkflowExecution.objects.create(
        workflow=workflow,
        status="completed",
        started_at=timezone.now(),
        final_output={"ok": True},
        duration_ms=130,
    )
    add_log(execution, "trigger", "success", 0, 5)
    add_log(execution, "branch_a", "success", 5, 100, output={"a": 1})
    add_log(execution, "branch_b", "failed", 6, 60, error="bad input", error_code="code_error")
    add_log(execution, "join", "skipped", 110, 0)
    sign_in(page, asgi_server.url, "nia")
    page.goto(f"{asgi_server.url}/executions/{execution.execution_id}/")
    gantt = page.get_by_role("img", name="Node timeline of this execution")
    expect(gantt).to_be_visible()
    bars = page.get_by_test_id("gantt-bar")
    expect(bars).to_have_count(4)
    expect(bars.nth(2)).to_have_attribute("data-status", "failed")
    a, b = bars.nth(1).bounding_box(), bars.nth(2).bounding_box()
    assert b["x"] < a["x"] + a["width"]  # the branches overlap in time
    assert a["y"] != b["y"]  # on their own rows
    expect(page.locator("#node-branch_b")).to_contain_text("bad input")
    page.locator("#node-branch_a summary").click()
    expect(page.locator("#node-branch_a")).to_contain_text('"a": 1')


def test_status_pill_updates_live_from_the_editor_socket(page, asgi_server, transactional_db):
    user = UserFactory(username="oak")
    workflow = WorkflowFactory(owner=user, slug="live")
    execution = WorkflowExecution.objects.create(
        workflow=workflow, status="running", started_at=timezone.now()
    )
    sign_in(page, asgi_server.url, "oak")
    with page.expect_websocket(lambda ws: "/ws/editor/" in ws.url):
        page.goto(f"{asgi_server.url}/executions/{execution.execution_id}/")
    pill = page.locator(f"#execution-status-{execution.execution_id}")
    expect(pill).to_have_text("running")
    expect(page.get_by_role("button", name="Cancel execution")).to_be_visible()
    page.wait_for_timeout(300)  # the socket joins its groups before accepting; give it a moment
    WorkflowExecution.objects.filter(pk=execution.pk).update(status="completed", final_output={"done": 1})
    events.broadcast(
        f"execution:{execution.execution_id}",
        "execution_completed",
        {"execution_id": str(execution.execution_id)},
    )
    events.flush()
    expect(pill).to_have_text("completed")
    # The body re-renders once after the event: the cancel button goes, the output appears.
    expect(page.get_by_test_id("final-output")).to_contain_text('"done": 1')
    expect(page.get_by_role("button", name="Cancel execution")).to_have_count(0)


def test_bulk_delete_executions_with_confirmation_and_result(page, asgi_server, transactional_db):
    user = UserFactory(username="pia")
    workflow = WorkflowFactory(owner=user, slug="many")
    executions = [WorkflowExecution.objects.create(workflow=workflow, status="completed") for _ in range(3)]
    sign_in(page, asgi_server.url, "pia")
    page.goto(f"{asgi_server.url}/executions/")
    expect(page.get_by_test_id("execution-row")).to_have_count(3)
    delete = page.get_by_role("button", name="Delete selected")
    expect(delete).to_be_disabled()
    for execution in executions[:2]:
        page.get_by_label(f"Select execution {str(execution.execution_id)[:8]}").check()
    expect(delete).to_contain_text("(2)")
    delete.click()
    page.get_by_role("dialog", name="Please confirm").get_by_role("button", name="Delete").click()
    expect(page.get_by_test_id("bulk-result")).to_have_text("Deleted 2 executions.")
    expect(page.get_by_test_id("execution-row")).to_have_count(1)
    assert list(WorkflowExecution.objects.values_list("pk", flat=True)) == [executions[2].pk]
