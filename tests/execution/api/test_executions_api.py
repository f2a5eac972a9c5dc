"""`/api/v1/executions/`: list with filters, detail with logs, cancel, batch-delete — scoped to the caller."""

import uuid

import pytest

from apps.execution.models import ExecutionLog, WorkflowExecution
from tests.conftest import client_for
from tests.execution.builders import code_chain
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def make_execution(workflow, status="completed", **fields):
    return WorkflowExecution.objects.create(
        workflow=workflow, trigger_node_key="trigger", status=status, trigger_payload={"text": "hi"}, **fields
    )


@pytest.fixture
def workflow(api_client):
    return code_chain(owner=api_client.user, count=1)


def test_list_envelope_filters_and_pagination(api_client, workflow):
    other = code_chain(owner=api_client.user, count=1)
    for _ in range(3):
        make_execution(workflow)
    make_execution(workflow, status="failed")
    make_execution(other)
    body = api_client.get("/api/v1/executions/").json()
    assert body["total"] == 5 and len(body["items"]) == 5
    item = body["items"][0]
    assert {"execution_id", "workflow_slug", "status", "started_at", "total_tokens", "total_cost_usd"} <= set(
        item
    )
    assert api_client.get(f"/api/v1/executions/?workflow_slug={workflow.slug}").json()["total"] == 4
    assert api_client.get("/api/v1/executions/?status=failed").json()["total"] == 1
    page = api_client.get("/api/v1/executions/?limit=2&offset=1").json()
    assert page["total"] == 5 and len(page["items"]) == 2
    assert api_client.get("/api/v1/executions/?status=bogus").status_code == 422


def test_detail_has_logs_and_per_node_status(api_client, workflow):
    execution = make_execution(workflow, final_output={"output": 1})
    ExecutionLog.objects.create(
        execution=execution, node_id="trigger", status="success", output={"payload": {}}
    )
    ExecutionLog.objects.create(
        execution=execution, node_id="code_1", status="failed", error="x", error_code="runtime_error"
    )
    body = api_client.get(f"/api/v1/executions/{execution.execution_id}/").json()
    assert body["final_output"] == {"output": 1}
    assert [log["node_id"] for log in body["logs"]] == ["trigger", "code_1"]
    assert body["logs"][1]["error_code"] == "runtime_error"
    assert body["node_statuses"] == {"trigger": "success", "code_1": "failed"}


def test_others_executions_are_invisible(api_client, workflow):
    execution = make_execution(workflow)
    stranger = client_for(UserFactory())
    assert stranger.get("/api/v1/executions/").json()["total"] == 0
    response = stranger.get(f"/api/v1/executions/{execution.execution_id}/")
    assert response.status_code == 404 and response.json()["detail"] == "Execution not found."
    assert stranger.post(f"/api/v1/executions/{execution.execution_id}/cancel/").status_code == 404
    assert api_client.get(f"/api/v1/executions/{uuid.uuid4()}/").status_code == 404
    assert api_client.get("/api/v1/executions/not-a-uuid/").status_code == 404


def test_cancel_pending_and_finished(api_client, workflow):
    pending = make_execution(workflow, status="pending")
    response = api_client.post(f"/api/v1/executions/{pending.execution_id}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    done = make_execution(workflow, status="completed")
    assert api_client.post(f"/api/v1/executions/{done.execution_id}/cancel/").json()["status"] == "completed"


def test_batch_delete_removes_only_visible_executions(api_client, workflow):
    mine = [make_execution(workflow) for _ in range(2)]
    foreign_workflow = code_chain(owner=UserFactory(), count=1)
    foreign = make_execution(foreign_workflow)
    ids = [str(e.execution_id) for e in [*mine, foreign]]
    response = api_client.post("/api/v1/executions/batch-delete/", {"execution_ids": ids}, format="json")
    assert response.status_code == 204
    assert not WorkflowExecution.objects.filter(pk__in=[e.pk for e in mine]).exists()
    assert WorkflowExecution.objects.filter(pk=foreign.pk).exists()
    bad = api_client.post("/api/v1/executions/batch-delete/", {"execution_ids": ["nope"]}, format="json")
    assert bad.status_code == 422


def test_execute_and_chat_validate_before_enqueueing(api_client, workflow):
    assert api_client.post("/api/v1/workflows/nope/execute/", {}, format="json").status_code == 404
    response = api_client.post(f"/api/v1/workflows/{workflow.slug}/chat/", {"text": "hi"}, format="json")
    assert response.status_code == 404 and response.json()["detail"] == "No chat trigger found."
    response = api_client.post(
        f"/api/v1/workflows/{workflow.slug}/execute/", {"trigger_node_id": "missing"}, format="json"
    )
    assert response.status_code == 404
    workflow.is_active = False
    workflow.save(update_fields=["is_active"])
    response = api_client.post(f"/api/v1/workflows/{workflow.slug}/execute/", {}, format="json")
    assert response.status_code == 409 and response.json()["detail"] == "Workflow is inactive."
    assert not WorkflowExecution.objects.exists()
