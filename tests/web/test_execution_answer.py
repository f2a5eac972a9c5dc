"""A run paused by a human confirmation is answered from its execution page (real worker, live page)."""

from playwright.sync_api import expect

from apps.execution.models import WorkflowExecution
from apps.execution.services.executions import execution_create
from apps.workflows.models import WorkflowNode
from tests.execution.builders import build_workflow
from tests.factories import UserFactory
from tests.support.worker import wait_until
from tests.web.pages_helpers import sign_in

CONFIRMED = {"edge_type": "conditional", "condition_value": "confirmed"}


def test_confirm_on_the_execution_page_resumes_the_run(page, asgi_server, celery_worker, transactional_db):
    user = UserFactory(username="ana")
    workflow = build_workflow(
        owner=user,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "ask": {
                "component_type": "human_confirmation",
                "config": {"extra_config": {"prompt": "Ship it?"}},
            },
            "go": {"component_type": "code", "config": {"code": "result = 'shipped'"}},
        },
        edges=[("trigger", "ask"), ("ask", "go", CONFIRMED)],
    )
    trigger = WorkflowNode.objects.get(workflow=workflow, node_id="trigger")
    execution = execution_create(workflow=workflow, trigger_node=trigger, payload={}, user=user)
    wait_until(lambda: WorkflowExecution.objects.get(pk=execution.pk).status == "interrupted", timeout=30)

    sign_in(page, asgi_server.url, "ana")
    page.goto(f"{asgi_server.url}/executions/{execution.execution_id}/")
    question = page.get_by_role("region", name="Waiting for your answer")
    expect(question.get_by_test_id("question-prompt")).to_have_text("Ship it?")
    expect(page.get_by_label("Or answer in your own words")).to_be_visible()
    question.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status").filter(has_text="the execution resumes")).to_be_visible()
    expect(page.get_by_test_id("summary-status")).to_have_text("completed", timeout=30_000)
    expect(page.get_by_test_id("final-output")).to_contain_text("shipped")
    expect(question).to_have_count(0)
