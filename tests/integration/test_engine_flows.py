"""The engine end to end: REST trigger -> Redis -> a real Celery worker process -> logs, outputs."""

import pytest

from apps.agents.models import MemoryEpisode
from apps.execution.models import ExecutionLog, WorkflowExecution
from tests.execution.builders import build_workflow, code_chain
from tests.support.worker import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

FINISHED = {"completed", "failed", "cancelled"}


def wait_finished(execution_id, timeout=30):
    def finished():
        execution = WorkflowExecution.objects.get(execution_id=execution_id)
        return execution if execution.status in FINISHED else None

    return wait_until(finished, timeout=timeout, message=f"execution {execution_id} did not finish")


def run_and_wait(api_client, slug, body=None, timeout=30):
    response = api_client.post(f"/api/v1/workflows/{slug}/execute/", body or {}, format="json")
    assert response.status_code == 202, response.content
    return wait_finished(response.json()["execution_id"], timeout)


def statuses(execution):
    return {log.node_id: log.status for log in ExecutionLog.objects.filter(execution=execution)}


def test_five_code_nodes_complete_with_final_output_and_six_logs(api_client, celery_worker):
    workflow = code_chain(owner=api_client.user, count=5)
    execution = run_and_wait(api_client, workflow.slug)
    assert execution.status == "completed", execution.error_message
    assert execution.final_output == {"output": 5}
    logs = list(ExecutionLog.objects.filter(execution=execution).order_by("id"))
    assert [log.node_id for log in logs] == ["trigger", "code_1", "code_2", "code_3", "code_4", "code_5"]
    assert all(log.status == "success" for log in logs)
    assert logs[1].output == {"output": 1}
    assert execution.duration_ms is not None and execution.started_at and execution.completed_at
    # The agents app's finish hook left one memory episode behind.
    wait_until(lambda: MemoryEpisode.objects.filter(execution=execution).exists())


def test_switch_runs_the_matching_branch_and_skips_the_other(api_client, celery_worker):
    workflow = build_workflow(
        owner=api_client.user,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "route": {
                "component_type": "switch",
                "config": {
                    "extra_config": {
                        "rules": [{"id": "big", "field": "trigger.payload.n", "operator": "gt", "value": 10}],
                        "enable_fallback": True,
                    }
                },
            },
            "big": {"component_type": "code", "config": {"code": "result = 'big'"}},
            "small": {"component_type": "code", "config": {"code": "result = 'small'"}},
        },
        edges=[
            ("trigger", "route"),
            ("route", "big", {"edge_type": "conditional", "condition_value": "big"}),
            ("route", "small", {"edge_type": "conditional", "condition_value": "__other__"}),
        ],
    )
    execution = run_and_wait(api_client, workflow.slug, {"payload": {"n": 42}})
    assert execution.status == "completed", execution.error_message
    assert statuses(execution) == {
        "trigger": "success",
        "route": "success",
        "big": "success",
        "small": "skipped",
    }
    assert execution.final_output == {"output": "big"}

    execution = run_and_wait(api_client, workflow.slug, {"payload": {"n": 1}})
    assert statuses(execution)["big"] == "skipped" and statuses(execution)["small"] == "success"


def test_fan_out_runs_both_branches_and_merge_combines_them(api_client, celery_worker):
    workflow = build_workflow(
        owner=api_client.user,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "left": {"component_type": "code", "config": {"code": "result = [1, 2]"}},
            "right": {"component_type": "code", "config": {"code": "result = [3]"}},
            "join": {"component_type": "merge"},
        },
        edges=[("trigger", "left"), ("trigger", "right"), ("left", "join"), ("right", "join")],
    )
    execution = run_and_wait(api_client, workflow.slug)
    assert execution.status == "completed", execution.error_message
    assert sorted(execution.final_output["merged"]) == [1, 2, 3]
    assert set(statuses(execution).values()) == {"success"}


def test_expressions_read_an_upstream_port_and_the_trigger_payload(api_client, celery_worker):
    workflow = build_workflow(
        owner=api_client.user,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "first": {"component_type": "code", "config": {"code": "result = {'name': 'Ada'}"}},
            "greet": {
                "component_type": "code",
                "config": {
                    "code": "result = 'Hello {{ first.output.name }} from {{ trigger.payload.city }}: ' + trigger['text']"
                },
            },
        },
        edges=[("trigger", "first"), ("first", "greet")],
    )
    execution = run_and_wait(api_client, workflow.slug, {"text": "hi", "payload": {"city": "Paris"}})
    assert execution.status == "completed", execution.error_message
    assert execution.final_output == {"output": "Hello Ada from Paris: hi"}


def test_a_failing_code_node_fails_the_execution_and_skips_downstream(api_client, celery_worker):
    workflow = build_workflow(
        owner=api_client.user,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "boom": {"component_type": "code", "config": {"code": "raise ValueError('bad input')"}},
            "after": {"component_type": "code", "config": {"code": "result = 1"}},
        },
        edges=[("trigger", "boom"), ("boom", "after")],
    )
    execution = run_and_wait(api_client, workflow.slug)
    assert execution.status == "failed"
    assert "bad input" in execution.error_message
    log = ExecutionLog.objects.get(execution=execution, node_id="boom")
    assert log.status == "failed" and log.error_code and "bad input" in log.error
    assert statuses(execution)["after"] == "skipped"


@pytest.mark.parametrize(
    ("snippet", "code"),
    [
        ("while True:\n    pass", "timeout"),
        ("x = bytearray(10 * 1024 ** 3)", "memory_limit"),
    ],
)
def test_runaway_snippets_are_stopped_and_the_worker_survives(api_client, celery_worker, snippet, code):
    workflow = build_workflow(
        owner=api_client.user,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "runaway": {
                "component_type": "code",
                "config": {"code": snippet, "extra_config": {"timeout_seconds": 2}},
            },
        },
        edges=[("trigger", "runaway")],
    )
    execution = run_and_wait(api_client, workflow.slug, timeout=40)
    assert execution.status == "failed"
    assert ExecutionLog.objects.get(execution=execution, node_id="runaway").error_code == code
    # The same worker still runs the next execution.
    healthy = code_chain(owner=api_client.user, count=1)
    assert run_and_wait(api_client, healthy.slug).status == "completed"
    assert celery_worker.proc.poll() is None


def test_cancel_stops_a_long_chain_at_the_next_node_boundary(api_client, celery_worker):
    nodes = {"trigger": {"component_type": "trigger_manual"}}
    edges = []
    previous = "trigger"
    for i in range(1, 9):
        nodes[f"slow_{i}"] = {
            "component_type": "code",
            "config": {"code": "import time\ntime.sleep(0.5)\nresult = 1"},
        }
        edges.append((previous, f"slow_{i}"))
        previous = f"slow_{i}"
    workflow = build_workflow(owner=api_client.user, nodes=nodes, edges=edges)
    execution_id = api_client.post(f"/api/v1/workflows/{workflow.slug}/execute/", {}, format="json").json()[
        "execution_id"
    ]
    wait_until(
        lambda: ExecutionLog.objects.filter(execution__execution_id=execution_id, node_id="slow_1").exists()
    )
    response = api_client.post(f"/api/v1/executions/{execution_id}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    execution = wait_finished(execution_id)
    assert execution.status == "cancelled"
    assert ExecutionLog.objects.filter(execution=execution, status="success").count() < 9


def test_two_triggers_on_one_canvas_run_two_different_graphs(api_client, celery_worker):
    workflow = build_workflow(
        owner=api_client.user,
        nodes={
            "manual": {"component_type": "trigger_manual"},
            "chat": {"component_type": "trigger_chat"},
            "from_manual": {"component_type": "code", "config": {"code": "result = 'manual path'"}},
            "from_chat": {
                "component_type": "code",
                "config": {"code": "result = 'chat path: ' + trigger['text']"},
            },
        },
        edges=[("manual", "from_manual"), ("chat", "from_chat")],
    )
    manual = run_and_wait(api_client, workflow.slug)
    assert set(statuses(manual)) == {"manual", "from_manual"}
    response = api_client.post(f"/api/v1/workflows/{workflow.slug}/chat/", {"text": "yo"}, format="json")
    assert response.status_code == 200 and response.json()["response"] == ""
    chat = wait_finished(response.json()["execution_id"])
    assert set(statuses(chat)) == {"chat", "from_chat"}
    assert chat.final_output == {"output": "chat path: yo"}
