"""Redis down: triggers answer 503 with Retry-After and nothing is left pending; back up: accepted again."""

import httpx
import pytest

from apps.execution.models import WorkflowExecution
from tests.execution.builders import build_workflow
from tests.support.live import stack, start_asgi_server  # scripts/stack.py

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_redis():
    url = f"redis://127.0.0.1:{stack.free_port()}/0"
    holder = {"proc": stack.start_redis(url), "url": url}
    yield holder
    stack.stop(holder["proc"])


@pytest.fixture
def server_on_private_redis(private_redis):
    server = start_asgi_server("daphne-private-redis", REDIS_URL=private_redis["url"])
    yield server
    server.process.stop()


def test_webhook_is_refused_with_503_while_redis_is_down_and_accepted_once_it_is_back(
    api_client, private_redis, server_on_private_redis
):
    workflow = build_workflow(
        owner=api_client.user,
        nodes={"hook": {"component_type": "trigger_webhook"}, "work": {"component_type": "code"}},
        edges=[("hook", "work")],
    )
    headers = {"Authorization": f"Bearer {api_client.raw_key}"}
    with httpx.Client(base_url=server_on_private_redis.url, headers=headers, timeout=30) as client:
        first = client.post(f"/api/v1/webhooks/{workflow.slug}", json={})
        assert first.status_code == 202
        accepted = {first.json()["execution_id"]}

        stack.stop(private_redis["proc"], timeout=0)
        down = client.post(f"/api/v1/webhooks/{workflow.slug}", json={"n": 1})
        assert down.status_code == 503, down.text
        assert down.headers["Retry-After"] == "5"
        assert "unavailable" in down.json()["detail"]
        waiting = client.post(f"/api/v1/webhooks/{workflow.slug}?wait=5", json={})
        assert waiting.status_code == 503, waiting.text

        refused = WorkflowExecution.objects.filter(workflow=workflow, error_code="queue_unavailable")
        assert refused.count() == 1 and refused.get().status == "failed"
        pending = WorkflowExecution.objects.filter(workflow=workflow, status="pending")  # no worker here
        assert {str(e.execution_id) for e in pending} == accepted

        private_redis["proc"] = stack.start_redis(private_redis["url"])
        again = client.post(f"/api/v1/webhooks/{workflow.slug}", json={})
        assert again.status_code == 202, again.text
        assert WorkflowExecution.objects.filter(execution_id=again.json()["execution_id"], status="pending")
