"""POST /api/v1/executions/<id>/resume/ answers a paused human_confirmation."""

import pytest

from apps.execution.models import ExecutionLog, WorkflowExecution
from apps.execution.services.executions import execution_create, execution_resume_run, execution_run
from apps.workflows.models import WorkflowNode
from tests.execution.builders import build_workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr("apps.execution.tasks.resume_execution.delay", lambda *args: calls.append(args))
    monkeypatch.setattr("apps.execution.tasks.resume_execution.apply_async", lambda *a, **k: None)
    return calls


CONFIRMED = {"edge_type": "conditional", "condition_value": "confirmed"}


def paused_run(user, node=None, edge=CONFIRMED):
    workflow = build_workflow(
        owner=user,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "ask": node
            or {"component_type": "human_confirmation", "config": {"extra_config": {"prompt": "Go?"}}},
            "go": {"component_type": "code", "config": {"code": "result = 'went'"}},
        },
        edges=[
            ("trigger", "ask"),
            ("ask", "go", edge),
        ],
    )
    trigger = WorkflowNode.objects.get(workflow=workflow, node_id="trigger")
    execution = execution_create(
        workflow=workflow, trigger_node=trigger, payload={}, user=user, enqueue=False
    )
    return execution_run(execution_id=str(execution.execution_id))


def resume_url(execution):
    return f"/api/v1/executions/{execution.execution_id}/resume/"


def test_resume_answers_the_confirmation_and_the_run_continues(
    api_client, sent, django_capture_on_commit_callbacks
):
    execution = paused_run(api_client.user)
    assert execution.status == "interrupted"
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(resume_url(execution), {"input": "yes"}, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "interrupted"
    assert sent == [(str(execution.execution_id), "ask", "yes")]
    done = execution_resume_run(execution_id=sent[0][0], node_id=sent[0][1], resume_input=sent[0][2])
    assert done.status == "completed" and done.final_output == {"output": "went"}
    ask = ExecutionLog.objects.filter(execution=execution, node_id="ask").order_by("id")
    assert [log.status for log in ask] == ["interrupted", "success"]
    assert ask[1].output == {"confirmed": True, "user_response": "yes"}


def test_resume_refuses_runs_not_waiting_for_input(api_client, sent):
    wait = {"component_type": "wait", "config": {"extra_config": {"duration": 60}}}
    timer = paused_run(api_client.user, wait, edge={})
    assert api_client.post(resume_url(timer), {"input": "yes"}, format="json").status_code == 409
    WorkflowExecution.objects.filter(pk=timer.pk).update(status="completed")
    response = api_client.post(resume_url(timer), {"input": "yes"}, format="json")
    assert response.status_code == 409 and "detail" in response.json()
    assert sent == []


def test_resume_needs_a_string_input_and_an_own_execution(api_client, sent, admin_user):
    execution = paused_run(api_client.user)
    response = api_client.post(resume_url(execution), {}, format="json")
    assert response.status_code == 422 and "detail" in response.json()
    others = paused_run(admin_user)
    assert api_client.post(resume_url(others), {"input": "yes"}, format="json").status_code == 404
    assert sent == []


def test_a_rejected_confirmation_routes_cancelled_and_skips_the_confirmed_branch(api_client, sent):
    execution = paused_run(api_client.user)
    done = execution_resume_run(execution_id=str(execution.execution_id), node_id="ask", resume_input="no")
    assert done.status == "completed"
    statuses = dict(ExecutionLog.objects.filter(execution=execution).values_list("node_id", "status"))
    assert statuses["go"] == "skipped" and statuses["ask"] == "success"
    ask = ExecutionLog.objects.filter(execution=execution, node_id="ask", status="success").get()
    assert ask.output == {"confirmed": False, "user_response": "no"}


@pytest.mark.parametrize("where", ["interrupt_before", "interrupt_after"])
def test_a_breakpoint_pauses_the_run_at_the_node_and_resume_continues(
    api_client, sent, django_capture_on_commit_callbacks, where
):
    code = {"component_type": "code", "config": {"code": "result = 'asked'"}}
    workflow = build_workflow(
        owner=api_client.user,
        nodes={"trigger": {"component_type": "trigger_manual"}, "ask": code, "go": code},
        edges=[("trigger", "ask"), ("ask", "go")],
    )
    WorkflowNode.objects.filter(workflow=workflow, node_id="ask").update(**{where: True})
    trigger = WorkflowNode.objects.get(workflow=workflow, node_id="trigger")
    created = execution_create(
        workflow=workflow, trigger_node=trigger, payload={}, user=api_client.user, enqueue=False
    )
    execution = execution_run(execution_id=str(created.execution_id))
    assert execution.status == "interrupted"
    rows = list(
        ExecutionLog.objects.filter(execution=execution).order_by("id").values_list("node_id", "status")
    )
    if where == "interrupt_before":
        assert rows == [("trigger", "success"), ("ask", "interrupted")]
    else:
        assert rows == [("trigger", "success"), ("ask", "success"), ("ask", "interrupted")]
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.post(resume_url(execution), {"input": ""}, format="json").status_code == 202
    assert sent == [(str(execution.execution_id), "ask", "")]
    done = execution_resume_run(execution_id=sent[0][0], node_id=sent[0][1], resume_input=sent[0][2])
    assert done.status == "completed", done.error_message
    ran = ExecutionLog.objects.filter(execution=execution, status="success").values_list("node_id", flat=True)
    assert sorted(ran) == ["ask", "go", "trigger"]


def chat_workflow(user):
    workflow = build_workflow(
        owner=user,
        nodes={
            "chat": {"component_type": "trigger_chat"},
            "ask": {"component_type": "human_confirmation", "config": {"extra_config": {"prompt": "Go?"}}},
            "go": {"component_type": "code", "config": {"code": "result = 'went'"}},
        },
        edges=[("chat", "ask"), ("ask", "go", CONFIRMED)],
    )
    return workflow


def test_a_chat_message_answers_the_confirmation_its_thread_waits_for(
    api_client, sent, monkeypatch, django_capture_on_commit_callbacks
):
    started = []
    monkeypatch.setattr("apps.execution.tasks.execute_workflow.delay", lambda *args: started.append(args))
    workflow = chat_workflow(api_client.user)
    url = f"/api/v1/workflows/{workflow.slug}/chat/"
    with django_capture_on_commit_callbacks(execute=True):
        first = api_client.post(url, {"text": "deploy please"}, format="json")
    assert first.status_code == 200, first.content
    execution_id = first.json()["execution_id"]
    assert started == [(execution_id,)]
    assert execution_run(execution_id=execution_id).status == "interrupted"
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_client.post(url, {"text": "yes"}, format="json")
    assert answer.status_code == 200
    assert answer.json() == {
        "execution_id": execution_id,
        "status": "interrupted",
        "response": "",
        "resumed": True,
    }
    assert started == [(execution_id,)]  # no new execution
    assert sent == [(execution_id, "ask", "yes")]
    done = execution_resume_run(execution_id=execution_id, node_id="ask", resume_input="yes")
    assert done.status == "completed" and done.final_output == {"output": "went"}
    with django_capture_on_commit_callbacks(execute=True):
        again = api_client.post(url, {"text": "hello again"}, format="json")
    assert again.json()["execution_id"] != execution_id and "resumed" not in again.json()
