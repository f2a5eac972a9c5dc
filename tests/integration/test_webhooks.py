"""`POST /api/v1/webhooks/<slug>` over real HTTP against daphne with a real worker."""

import httpx
import pytest

from apps.execution.models import WorkflowExecution
from tests.conftest import client_for
from tests.execution.builders import code_chain
from tests.factories import UserFactory
from tests.integration.test_engine_flows import wait_finished

pytestmark = [pytest.mark.integration]


@pytest.fixture
def hook(live_url):
    owner = UserFactory()
    client = client_for(owner)
    workflow = code_chain(owner=owner, count=3, trigger="trigger_webhook")
    headers = {"Authorization": f"Bearer {client.raw_key}"}
    return {
        "url": f"{live_url}/api/v1/webhooks/{workflow.slug}",
        "headers": headers,
        "workflow": workflow,
        "key": client.raw_key,
        "base": live_url,
    }


def test_webhook_answers_202_with_the_execution_id_and_runs_it(hook, celery_worker):
    response = httpx.post(hook["url"], json={"event": "ping"}, headers=hook["headers"], timeout=10)
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "accepted"
    execution = wait_finished(body["execution_id"])
    assert execution.status == "completed"
    assert execution.trigger_payload["payload"] == {"event": "ping"}
    assert execution.final_output == {"output": 3}


def test_waiting_webhook_answers_with_the_final_output(hook, celery_worker):
    response = httpx.post(f"{hook['url']}?wait=20", json={"n": 1}, headers=hook["headers"], timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "completed"
    assert response.json()["final_output"] == {"output": 3}


def test_wait_that_runs_out_answers_202(hook):
    # No worker consumes this one in time: a zero-ish wait comes back as accepted.
    response = httpx.post(f"{hook['url']}?wait=0.05", json={}, headers=hook["headers"], timeout=10)
    assert response.status_code in (200, 202)
    assert response.json()["execution_id"]


def test_api_key_may_come_as_a_query_parameter(hook):
    response = httpx.post(f"{hook['url']}?api_key={hook['key']}", json={}, timeout=10)
    assert response.status_code == 202


def test_malformed_json_is_400_and_creates_no_execution(hook):
    before = WorkflowExecution.objects.count()
    response = httpx.post(
        hook["url"],
        content=b"{not json",
        headers={**hook["headers"], "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400
    assert "Malformed JSON" in response.json()["detail"]
    assert WorkflowExecution.objects.count() == before


def test_form_bodies_are_accepted(hook):
    response = httpx.post(hook["url"], data={"a": "1", "b": "2"}, headers=hook["headers"], timeout=10)
    assert response.status_code == 202
    execution = WorkflowExecution.objects.get(execution_id=response.json()["execution_id"])
    assert execution.trigger_payload["payload"] == {"a": "1", "b": "2"}


def test_unknown_slug_is_404_missing_key_401_and_too_large_413(hook):
    base = hook["base"]
    assert (
        httpx.post(f"{base}/api/v1/webhooks/no-such-flow", json={}, headers=hook["headers"]).status_code
        == 404
    )
    assert httpx.post(hook["url"], json={}).status_code == 401
    assert httpx.post(hook["url"], json={}, headers={"Authorization": "Bearer nope"}).status_code == 401
    huge = {"blob": "x" * (1024 * 1024 + 10)}
    assert httpx.post(hook["url"], json=huge, headers=hook["headers"], timeout=20).status_code == 413
    assert not WorkflowExecution.objects.filter(workflow=hook["workflow"]).exists()


def test_inactive_workflow_refuses_with_409(hook):
    hook["workflow"].is_active = False
    hook["workflow"].save(update_fields=["is_active"])
    response = httpx.post(hook["url"], json={}, headers=hook["headers"], timeout=10)
    assert response.status_code == 409
    assert response.json()["detail"] == "Workflow is inactive."
    assert not WorkflowExecution.objects.filter(workflow=hook["workflow"]).exists()


def test_another_users_workflow_is_404(hook):
    stranger = client_for(UserFactory())
    response = httpx.post(hook["url"], json={}, headers={"Authorization": f"Bearer {stranger.raw_key}"})
    assert response.status_code == 404


def test_multipart_bodies_are_accepted_with_their_fields(hook):
    response = httpx.post(
        hook["url"],
        data={"event": "upload", "tag": ["a", "b"]},
        files={"note": ("note.txt", b"hello", "text/plain")},
        headers=hook["headers"],
        timeout=10,
    )
    assert response.status_code == 202, response.text
    execution = WorkflowExecution.objects.get(execution_id=response.json()["execution_id"])
    assert execution.trigger_payload["payload"] == {"event": "upload", "tag": ["a", "b"]}
