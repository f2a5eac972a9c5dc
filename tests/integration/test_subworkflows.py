"""Subworkflows end to end on a real worker: results flow back up through three levels, the parent holds
no worker while it waits, failures and the depth limit propagate, cancel cascades to the children."""

import pytest

from apps.execution.models import ExecutionLog, WorkflowExecution
from tests.execution.builders import build_workflow
from tests.integration.test_engine_flows import run_and_wait, wait_finished
from tests.support.worker import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def code(source):
    return {"component_type": "code", "config": {"code": source}}


def call(target, mapping=None):
    return {
        "component_type": "workflow",
        "config": {"input_mapping": mapping or {"n": "input"}, "extra_config": {"target_workflow": target}},
    }


def child_workflow(owner, slug, nodes, edges):
    return build_workflow(
        owner=owner, slug=slug, nodes={"enter": {"component_type": "trigger_workflow"}, **nodes}, edges=edges
    )


def test_parent_child_grandchild_results_flow_back_up(api_client, celery_worker):
    user = api_client.user
    child_workflow(user, "grandchild", {"times": code("result = trigger['n'] * 10")}, [("enter", "times")])
    child_workflow(
        user,
        "child",
        {
            "plus": code("result = trigger['n'] + 1"),
            "deeper": call("grandchild"),
            "wrap": code("result = {'from_grandchild': input['output'], 'child_saw': trigger['n']}"),
        },
        [("enter", "plus"), ("plus", "deeper"), ("deeper", "wrap")],
    )
    parent = build_workflow(
        owner=user,
        slug="parent",
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "four": code("result = 4"),
            "delegate": call("child"),
            "report": code("result = {'got': input['output']}"),
        },
        edges=[("trigger", "four"), ("four", "delegate"), ("delegate", "report")],
    )
    execution = run_and_wait(api_client, parent.slug, timeout=90)
    assert execution.status == "completed", execution.error_message
    assert execution.final_output == {"output": {"got": {"from_grandchild": 50, "child_saw": 4}}}

    child = WorkflowExecution.objects.get(parent_execution=execution)
    grandchild = WorkflowExecution.objects.get(parent_execution=child)
    assert (child.workflow.slug, child.depth, child.parent_node_key) == ("child", 1, "delegate")
    assert (grandchild.workflow.slug, grandchild.depth, grandchild.parent_node_key) == (
        "grandchild",
        2,
        "deeper",
    )
    assert child.status == grandchild.status == "completed"
    # Scoped payload: what the mapping named plus the lineage, not the parent's state or messages.
    assert child.trigger_payload == {
        "n": 4,
        "parent_execution_id": str(execution.execution_id),
        "parent_workflow": "parent",
    }
    assert grandchild.final_output == {"output": 50}
    delegate = list(
        ExecutionLog.objects.filter(execution=execution, node_id="delegate")
        .order_by("id")
        .values_list("status", "output")
    )
    # The pause row (`waiting` before the checkpointer pauses, `interrupted` with them), then the result.
    assert [status for status, _ in delegate][1:] == ["success"] and delegate[0][0] in (
        "waiting",
        "interrupted",
    )
    assert delegate[1][1] == {"output": {"output": {"from_grandchild": 50, "child_saw": 4}}}


def test_a_failing_child_fails_the_node_with_a_clear_error_code(api_client, celery_worker):
    child_workflow(
        api_client.user, "broken", {"boom": code("raise ValueError('child broke')")}, [("enter", "boom")]
    )
    parent = build_workflow(
        owner=api_client.user,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "delegate": call("broken", {"n": "trigger.text"}),
        },
        edges=[("trigger", "delegate")],
    )
    execution = run_and_wait(api_client, parent.slug, timeout=60)
    assert execution.status == "failed"
    assert execution.error_code == "subworkflow_failed"
    assert "subworkflow 'broken'" in execution.error_message and "child broke" in execution.error_message

    missing = build_workflow(
        owner=api_client.user,
        nodes={"trigger": {"component_type": "trigger_manual"}, "delegate": call("no-such-workflow")},
        edges=[("trigger", "delegate")],
    )
    execution = run_and_wait(api_client, missing.slug, timeout=60)
    assert execution.status == "failed" and execution.error_code == "subworkflow_not_found"


def test_a_cycle_stops_at_the_depth_limit_with_a_clear_error(api_client, celery_worker):
    user = api_client.user
    build_workflow(
        owner=user,
        slug="ping",
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "enter": {"component_type": "trigger_workflow"},
            "to_pong": call("pong", {"n": "trigger.text"}),
        },
        edges=[("trigger", "to_pong"), ("enter", "to_pong")],
    )
    child_workflow(user, "pong", {"to_ping": call("ping", {"n": "trigger.n"})}, [("enter", "to_ping")])
    execution = run_and_wait(api_client, "ping", timeout=120)
    assert execution.status == "failed"
    assert execution.error_code == "subworkflow_depth_exceeded"
    assert (
        "limited to 5 levels (the chain is a cycle): ping -> pong -> ping -> pong -> ping -> pong -> ping"
        in (execution.error_message)
    )
    chain = [execution]
    while (nxt := WorkflowExecution.objects.filter(parent_execution=chain[-1]).first()) is not None:
        chain.append(nxt)
    assert [e.depth for e in chain] == [0, 1, 2, 3, 4, 5]
    assert all(e.status == "failed" for e in chain)


def test_cancelling_a_parent_cancels_its_children_and_the_parent_holds_no_worker(api_client, celery_worker):
    user = api_client.user
    child_workflow(
        user,
        "slow-grandchild",
        {
            "nap": {"component_type": "wait", "config": {"extra_config": {"duration": 60}}},
            "after": code("result = 1"),
        },
        [("enter", "nap"), ("nap", "after")],
    )
    child_workflow(user, "middle", {"deeper": call("slow-grandchild")}, [("enter", "deeper")])
    parent = build_workflow(
        owner=user,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "delegate": call("middle", {"n": "trigger.text"}),
        },
        edges=[("trigger", "delegate")],
    )
    response = api_client.post(f"/api/v1/workflows/{parent.slug}/execute/", {}, format="json")
    execution_id = response.json()["execution_id"]

    def all_waiting():
        rows = list(
            WorkflowExecution.objects.order_by("depth").values_list("execution_id", "status", "depth")
        )
        return rows if [s for _, s, _ in rows] == ["interrupted"] * 3 else None

    rows = wait_until(all_waiting, timeout=60, message="parent, child and grandchild did not all wait")
    assert str(rows[0][0]) == execution_id
    # While the whole tree waits, the worker is free: another run completes.
    quick = build_workflow(
        owner=user,
        nodes={"trigger": {"component_type": "trigger_manual"}, "x": code("result = 7")},
        edges=[("trigger", "x")],
    )
    assert run_and_wait(api_client, quick.slug).final_output == {"output": 7}
    # Only the child's end may resume a parent waiting for it.
    refused = api_client.post(f"/api/v1/executions/{execution_id}/resume/", {"input": "fake"}, format="json")
    assert refused.status_code == 409 and "child execution" in refused.json()["detail"]

    assert api_client.post(f"/api/v1/executions/{execution_id}/cancel/").status_code == 200
    for tree_id, _, _ in rows:
        assert wait_finished(tree_id).status == "cancelled"
    assert set(
        WorkflowExecution.objects.filter(execution_id__in=[r[0] for r in rows]).values_list(
            "status", flat=True
        )
    ) == {"cancelled"}
