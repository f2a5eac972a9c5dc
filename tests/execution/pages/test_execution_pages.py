"""The executions list and detail pages through Django's test client."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from apps.execution.models import ExecutionLog, WorkflowExecution
from tests.factories import WorkflowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(user):
    client = Client()
    client.force_login(user)
    return client


def run(workflow, status="completed", **fields):
    return WorkflowExecution.objects.create(workflow=workflow, status=status, **fields)


def log(execution, node_id, status, start_ms, duration_ms, **fields):
    return ExecutionLog.objects.create(
        execution=execution,
        node_id=node_id,
        component_type=fields.pop("component_type", "code"),
        status=status,
        started_at=execution.started_at + timedelta(milliseconds=start_ms),
        duration_ms=duration_ms,
        **fields,
    )


def test_execution_pages_require_login(user):
    anon = Client()
    some = uuid.uuid4()
    for method, url in [
        ("get", "/executions/"),
        ("post", "/executions/delete/"),
        ("get", f"/executions/{some}/"),
        ("post", f"/executions/{some}/cancel/"),
        ("post", f"/executions/{some}/resume/"),
    ]:
        response = getattr(anon, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url


def test_list_shows_only_visible_executions_and_filters_by_workflow_and_status(client, user):
    mine = WorkflowFactory(owner=user, slug="mine")
    other_mine = WorkflowFactory(owner=user, slug="second")
    done = run(mine)
    failed = run(other_mine, status="failed")
    theirs = run(WorkflowFactory(slug="theirs"))
    body = client.get("/executions/").content.decode()
    assert str(done.execution_id) in body and str(failed.execution_id) in body
    assert str(theirs.execution_id) not in body
    assert 'id="execution-status-' + str(done.execution_id) + '"' in body

    def listed(**params):
        return [e.execution_id for e in client.get("/executions/", params).context["page"].object_list]

    assert listed(workflow="second") == [failed.execution_id]
    assert listed(status="completed") == [done.execution_id]
    assert len(listed(status="bogus")) == 2  # an unknown status is no filter
    partial = client.get(
        "/executions/", {"status": "failed"}, headers={"HX-Request": "true", "HX-Target": "execution-table"}
    )
    assert "<html" not in partial.content.decode() and str(failed.execution_id) in partial.content.decode()


def test_list_paginates_fifty_per_page(client, user):
    workflow = WorkflowFactory(owner=user)
    WorkflowExecution.objects.bulk_create(
        WorkflowExecution(workflow=workflow, status="completed") for _ in range(53)
    )
    assert len(client.get("/executions/").context["page"].object_list) == 50
    assert len(client.get("/executions/", {"page": 2}).context["page"].object_list) == 3


def test_list_subscribes_only_to_executions_that_can_still_change(client, user):
    workflow = WorkflowFactory(owner=user, slug="flow")
    running = run(workflow, status="running")
    done = run(workflow)
    context = client.get("/executions/").context
    assert context["live_url"] == f"/ws/editor/?channel=execution%3A{running.execution_id}"
    assert str(done.execution_id) not in context["live_url"]
    filtered = client.get("/executions/", {"workflow": "flow"}).context["live_url"]
    assert filtered.endswith("&channel=workflow%3Aflow")
    WorkflowExecution.objects.filter(pk=running.pk).update(status="completed")
    body = client.get("/executions/").content.decode()
    assert "ws-connect" not in body  # nothing can change: no socket at all


def test_live_subscriptions_are_capped_to_the_socket_limit(client, user):
    workflow = WorkflowFactory(owner=user)
    WorkflowExecution.objects.bulk_create(
        WorkflowExecution(workflow=workflow, status="running") for _ in range(25)
    )
    context = client.get("/executions/").context
    assert context["live_url"].count("channel=") == 19 and context["live_overflow"] == 6


def test_bulk_delete_removes_selected_visible_executions_and_reports_the_count(client, user):
    workflow = WorkflowFactory(owner=user)
    a, b, keep = run(workflow, started_at=timezone.now()), run(workflow), run(workflow)
    log(a, "n1", "success", 0, 5)
    theirs = run(WorkflowFactory())
    response = client.post(
        "/executions/delete/",
        {"execution_ids": [str(a.execution_id), str(b.execution_id), str(theirs.execution_id), "not-a-uuid"]},
        headers={"HX-Request": "true", "HX-Target": "execution-table"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "Deleted 2 executions." in body and "2 could not be deleted" in body
    assert set(WorkflowExecution.objects.values_list("pk", flat=True)) == {keep.pk, theirs.pk}
    assert not ExecutionLog.objects.exists()
    empty = client.post("/executions/delete/", {}, headers={"HX-Request": "true"})
    assert "Select at least one execution" in empty.content.decode()


def test_detail_shows_payload_output_error_and_node_panels(client, user):
    workflow = WorkflowFactory(owner=user, slug="flow")
    started = timezone.now()
    execution = run(
        workflow,
        status="failed",
        started_at=started,
        trigger_payload={"text": "hello"},
        final_output={"answer": 42},
        error_message="boom",
        error_code="node_failed",
        total_cost_usd=Decimal("0.0123"),
    )
    log(execution, "trigger", "success", 0, 2, output={"text": "hello"}, component_type="trigger_manual")
    log(
        execution,
        "agent_1",
        "failed",
        2,
        40,
        input={"q": "hi"},
        error="model exploded",
        error_code="llm_error",
        metadata={"token_usage": {"total_tokens": 77, "cost_usd": 0.002}},
    )
    body = client.get(f"/executions/{execution.execution_id}/").content.decode()
    assert f'id="execution-status-{execution.execution_id}"' in body
    assert "&quot;text&quot;: &quot;hello&quot;" in body and "&quot;answer&quot;: 42" in body
    assert "boom" in body and "node_failed" in body
    assert 'id="node-trigger"' in body and 'id="node-agent_1"' in body
    assert "model exploded" in body and "llm_error" in body and "77 tokens" in body and "$0.002" in body
    assert "Cancel execution" not in body  # finished
    assert "ws-connect" not in body


def test_detail_draws_a_gantt_with_parallel_branches_overlapping(client, user):
    workflow = WorkflowFactory(owner=user)
    execution = run(workflow, started_at=timezone.now())
    log(execution, "trigger", "success", 0, 10)
    log(execution, "left", "success", 10, 100)
    log(execution, "right", "failed", 12, 50)
    log(execution, "skipped_one", "skipped", 120, 0)
    gantt = client.get(f"/executions/{execution.execution_id}/").context["gantt"]
    assert [row.node_id for row in gantt.rows] == ["trigger", "left", "right", "skipped_one"]
    left, right = gantt.rows[1].bars[0], gantt.rows[2].bars[0]
    assert left.x < right.x < left.x + left.width  # side by side in time
    assert (right.status, right.start_ms, right.duration_ms) == ("failed", 12, 50)
    assert gantt.total_ms == 120
    body = client.get(f"/executions/{execution.execution_id}/").content.decode()
    assert body.count('data-testid="gantt-bar"') == 4
    assert "<title>right: failed, started at +12 ms, took 50 ms</title>" in body
    assert '<desc id="gantt-desc">' in body


def test_detail_of_a_running_execution_is_live_and_cancellable(client, user):
    workflow = WorkflowFactory(owner=user)
    execution = run(workflow, status="running", started_at=timezone.now())
    body = client.get(f"/executions/{execution.execution_id}/").content.decode()
    assert f'ws-connect="/ws/editor/?channel=execution:{execution.execution_id}"' in body
    assert "Cancel execution" in body
    assert "Resume" not in body  # only a run waiting for input can be resumed
    partial = client.get(
        f"/executions/{execution.execution_id}/",
        headers={"HX-Request": "true", "HX-Target": "execution-body"},
    )
    assert "<html" not in partial.content.decode() and "Timeline" in partial.content.decode()


def test_cancel_calls_the_engine_service(client, user):
    workflow = WorkflowFactory(owner=user)
    execution = run(workflow, status="running", started_at=timezone.now())
    response = client.post(f"/executions/{execution.execution_id}/cancel/")
    assert response.status_code == 302 and response["Location"] == f"/executions/{execution.execution_id}/"
    execution.refresh_from_db()
    assert execution.status == "cancelled" and execution.completed_at is not None
    assert "Execution cancelled." in client.get(response["Location"]).content.decode()
    again = client.post(f"/executions/{execution.execution_id}/cancel/", follow=True)
    assert "already finished" in again.content.decode()


def test_others_executions_are_404_and_resume_needs_a_run_waiting_for_input(client, user):
    theirs = run(WorkflowFactory(), status="running")
    for method, suffix in [("get", ""), ("post", "cancel/")]:
        assert getattr(client, method)(f"/executions/{theirs.execution_id}/{suffix}").status_code == 404
    assert client.get(f"/executions/{uuid.uuid4()}/").status_code == 404
    assert client.get("/executions/not-a-uuid/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "running"
    assert client.post(f"/executions/{theirs.execution_id}/resume/").status_code == 404
    mine = run(WorkflowFactory(owner=user), status="interrupted")
    assert "Resume" not in client.get(f"/executions/{mine.execution_id}/").content.decode()
    response = client.post(f"/executions/{mine.execution_id}/resume/", follow=True)
    assert "not for input" in response.content.decode()


def test_a_run_waiting_for_a_confirmation_is_resumed_with_the_answer(
    client, user, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr("apps.execution.tasks.resume_execution.delay", lambda *args: sent.append(args))
    mine = run(WorkflowFactory(owner=user), status="interrupted")
    mine.logs.create(node_id="ask", status="interrupted", metadata={"reason": "confirmation"})
    assert "Resume" in client.get(f"/executions/{mine.execution_id}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the resume is sent after commit
        response = client.post(f"/executions/{mine.execution_id}/resume/", {"input": "yes"})
    assert response.status_code == 302
    assert sent == [(str(mine.execution_id), "ask", "yes")]
