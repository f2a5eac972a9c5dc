"""Rate limits and the circuit breaker over real HTTP: daphne with tight limits, a real worker."""

import httpx
import pytest

from apps.workflows.models import Workflow
from tests.conftest import client_for
from tests.execution.builders import build_workflow, code_chain
from tests.factories import UserFactory
from tests.integration.test_engine_flows import wait_finished
from tests.support.live import start_asgi_server

pytestmark = [pytest.mark.integration]


@pytest.fixture(scope="module")
def tight_server(django_db_setup, django_db_blocker):
    """A daphne of its own whose limits are small enough to hit: 4 REST calls, 2 webhooks per minute."""
    with django_db_blocker.unblock():
        server = start_asgi_server(
            name="daphne-limits", PIPELIT_RATE_LIMIT_REST="4/60", PIPELIT_RATE_LIMIT_WEBHOOK="2/60"
        )
    yield server
    server.process.stop()


@pytest.fixture
def tight_url(tight_server, transactional_db):
    return tight_server.url


def test_rest_calls_over_the_limit_get_429_with_retry_after(tight_url):
    key = client_for(UserFactory()).raw_key
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=tight_url, headers=headers, timeout=10) as http:
        codes = [http.get("/api/v1/workflows/").status_code for _ in range(4)]
        refused = http.get("/api/v1/workflows/")
    assert codes == [200] * 4
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["detail"]
    other = client_for(UserFactory()).raw_key
    assert (
        httpx.get(f"{tight_url}/api/v1/workflows/", headers={"Authorization": f"Bearer {other}"}).status_code
        == 200
    )


def test_webhook_calls_over_the_limit_get_429_and_start_nothing(tight_url):
    owner = UserFactory()
    key = client_for(owner).raw_key
    workflow = code_chain(owner=owner, count=1, trigger="trigger_webhook")
    url = f"{tight_url}/api/v1/webhooks/{workflow.slug}"
    headers = {"Authorization": f"Bearer {key}"}
    codes = [httpx.post(url, json={}, headers=headers, timeout=10).status_code for _ in range(2)]
    refused = httpx.post(url, json={}, headers=headers, timeout=10)
    assert codes == [202, 202]
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Too many webhook calls" in refused.json()["detail"]
    assert workflow.executions.count() == 2


def test_failing_workflow_trips_its_circuit_and_a_person_resets_it(live_url, celery_worker):
    owner = UserFactory()
    api = client_for(owner)
    headers = {"Authorization": f"Bearer {api.raw_key}"}
    workflow = build_workflow(
        owner=owner,
        nodes={
            "trigger": {"component_type": "trigger_webhook"},
            "boom": {"component_type": "code", "config": {"code": "raise ValueError('always')"}},
        },
        edges=[("trigger", "boom")],
    )
    Workflow.objects.filter(pk=workflow.pk).update(circuit_failure_threshold=2)
    url = f"{live_url}/api/v1/webhooks/{workflow.slug}"
    for _ in range(2):
        response = httpx.post(url, json={}, headers=headers, timeout=10)
        assert response.status_code == 202
        assert wait_finished(response.json()["execution_id"]).status == "failed"

    refused = httpx.post(url, json={}, headers=headers, timeout=10)
    assert refused.status_code == 409
    assert "circuit breaker opened after 2 consecutive failed executions" in refused.json()["detail"]
    detail = httpx.get(f"{live_url}/api/v1/workflows/{workflow.slug}/", headers=headers, timeout=10).json()
    assert detail["circuit"]["open"] is True

    reset = httpx.post(
        f"{live_url}/api/v1/workflows/{workflow.slug}/circuit/reset/", headers=headers, timeout=10
    )
    assert reset.status_code == 200 and reset.json()["circuit"]["open"] is False
    again = httpx.post(url, json={}, headers=headers, timeout=10)
    assert again.status_code == 202
    wait_finished(again.json()["execution_id"])
