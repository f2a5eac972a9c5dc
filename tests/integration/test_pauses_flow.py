"""Pauses end to end: live daphne + a real worker, events on the API socket, and a restart of both."""

import time

import httpx
import pytest

from apps.execution.models import ExecutionLog, WorkflowExecution
from tests.conftest import client_for
from tests.execution.builders import build_workflow
from tests.factories import UserFactory
from tests.integration.test_crash_recovery import no_session_worker  # noqa: F401 - fixture
from tests.integration.test_realtime import Socket
from tests.support.live import start_asgi_server, start_worker
from tests.support.worker import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CONFIRMED = {"edge_type": "conditional", "condition_value": "confirmed"}
CANCELLED = {"edge_type": "conditional", "condition_value": "cancelled"}


@pytest.fixture
def bob(transactional_db):
    return client_for(UserFactory(username="bob-pauses"))


def confirmation_flow(owner):
    return build_workflow(
        owner=owner,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "ask": {
                "component_type": "human_confirmation",
                "config": {"extra_config": {"prompt": "Ship it?"}},
            },
            "go": {"component_type": "code", "config": {"code": "result = 'shipped'"}},
            "stop": {"component_type": "code", "config": {"code": "result = 'kept'"}},
        },
        edges=[("trigger", "ask"), ("ask", "go", CONFIRMED), ("ask", "stop", CANCELLED)],
    )


class Api:
    def __init__(self, base_url, key):
        self.base_url, self.headers = base_url, {"Authorization": f"Bearer {key}"}

    def post(self, path, body=None):
        return httpx.post(f"{self.base_url}/api/v1/{path}", json=body or {}, headers=self.headers, timeout=15)

    def execute(self, workflow):
        response = self.post(f"workflows/{workflow.slug}/execute/")
        assert response.status_code in (200, 201, 202), response.text
        return response.json()["execution_id"]


def status_of(execution_id):
    return WorkflowExecution.objects.get(execution_id=execution_id).status


def wait_status(execution_id, status, timeout=60):
    return wait_until(lambda: status_of(execution_id) == status, timeout=timeout, message=f"never {status}")


@pytest.mark.parametrize(("answer", "ran", "output"), [("yes", "go", "shipped"), ("no", "stop", "kept")])
def test_confirmation_approved_or_rejected_over_the_api_with_its_events(
    asgi_server, celery_worker, bob, answer, ran, output
):
    workflow = confirmation_flow(bob.user)
    socket = Socket(asgi_server.ws_url, bob.raw_key)
    socket.subscribe(f"workflow:{workflow.slug}")
    api = Api(asgi_server.url, bob.raw_key)
    execution_id = api.execute(workflow)
    paused = socket.events_until(lambda e: e["type"] == "execution_interrupted")
    assert {"node_id": "ask", "status": "interrupted"}.items() <= next(
        e["data"] for e in paused if e["type"] == "node_status" and e["data"]["status"] == "interrupted"
    ).items()
    assert paused[-1]["data"] == {
        "execution_id": execution_id,
        "node_id": "ask",
        "reason": "confirmation",
        "prompt": "Ship it?",
    }
    wait_status(execution_id, "interrupted")
    response = api.post(f"executions/{execution_id}/resume/", {"input": answer})
    assert response.status_code == 202, response.text
    rest = socket.events_until(lambda e: e["type"] == "execution_completed")
    kinds = [e["type"] for e in rest]
    assert kinds[0] == "execution_resumed"
    assert rest[-1]["data"]["final_output"] == {"output": output}
    statuses = dict(
        ExecutionLog.objects.filter(
            execution__execution_id=execution_id, status__in=["success", "skipped"]
        ).values_list("node_id", "status")
    )
    assert statuses[ran] == "success" and statuses[{"go": "stop", "stop": "go"}[ran]] == "skipped"
    assert api.post(f"executions/{execution_id}/resume/", {"input": answer}).status_code == 409
    socket.close()


def test_a_two_second_wait_resumes_by_itself(asgi_server, celery_worker, bob):
    workflow = build_workflow(
        owner=bob.user,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "w": {"component_type": "wait", "config": {"extra_config": {"duration": 2}}},
            "after": {"component_type": "code", "config": {"code": "result = 'later'"}},
        },
        edges=[("trigger", "w"), ("w", "after")],
    )
    socket = Socket(asgi_server.ws_url, bob.raw_key)
    socket.subscribe(f"workflow:{workflow.slug}")
    started = time.monotonic()
    execution_id = Api(asgi_server.url, bob.raw_key).execute(workflow)
    events = socket.events_until(lambda e: e["type"] == "execution_completed", timeout=40)
    elapsed = time.monotonic() - started
    kinds = [e["type"] for e in events]
    assert (
        kinds.index("execution_interrupted")
        < kinds.index("execution_resumed")
        < kinds.index("execution_completed")
    )
    waiting = [e["data"] for e in events if e["type"] == "node_status" and e["data"]["status"] == "waiting"]
    assert [w["node_id"] for w in waiting] == ["w"]
    interrupted = next(e["data"] for e in events if e["type"] == "execution_interrupted")
    assert interrupted["reason"] == "wait" and interrupted["resume_in"] == 2.0
    assert elapsed >= 2.0
    assert events[-1]["data"]["final_output"] == {"output": "later"}
    assert status_of(execution_id) == "completed"
    socket.close()


def test_cancelling_a_paused_run_emits_execution_cancelled_and_it_never_resumes(
    asgi_server, celery_worker, bob
):
    workflow = confirmation_flow(bob.user)
    socket = Socket(asgi_server.ws_url, bob.raw_key)
    socket.subscribe(f"workflow:{workflow.slug}")
    api = Api(asgi_server.url, bob.raw_key)
    execution_id = api.execute(workflow)
    wait_status(execution_id, "interrupted")
    assert api.post(f"executions/{execution_id}/cancel/").status_code in (200, 202)
    cancelled = socket.events_until(lambda e: e["type"] == "execution_cancelled")[-1]
    assert cancelled["data"]["execution_id"] == execution_id and cancelled["data"]["status"] == "cancelled"
    assert api.post(f"executions/{execution_id}/resume/", {"input": "yes"}).status_code == 409
    assert status_of(execution_id) == "cancelled"
    socket.close()


@pytest.mark.timeout(300)  # four process starts on a loaded machine
def test_a_confirmation_survives_a_restart_of_the_worker_and_the_web_server(bob, no_session_worker):  # noqa: F811
    workflow = confirmation_flow(bob.user)
    web, worker = start_asgi_server("daphne-before"), start_worker("worker-before", concurrency=1)
    try:
        execution_id = Api(web.url, bob.raw_key).execute(workflow)
        wait_status(execution_id, "interrupted")
    finally:
        worker.stop()
        web.process.stop()
    web, worker = start_asgi_server("daphne-after"), start_worker("worker-after", concurrency=1)
    try:
        response = Api(web.url, bob.raw_key).post(f"executions/{execution_id}/resume/", {"input": "yes"})
        assert response.status_code == 202, response.text
        wait_status(execution_id, "completed")
    finally:
        worker.stop()
        web.process.stop()
    execution = WorkflowExecution.objects.get(execution_id=execution_id)
    assert execution.final_output == {"output": "shipped"}
    rows = list(
        ExecutionLog.objects.filter(execution=execution).order_by("id").values_list("node_id", "status")
    )
    assert rows[:3] == [("trigger", "success"), ("ask", "interrupted"), ("ask", "success")]
    assert sorted(rows[3:]) == [("go", "success"), ("stop", "skipped")]
