"""Delegation end to end on ONE worker process (solo pool): an agent plans an epic with two tasks,
writes a workflow in the DSL, runs it twice with spawn_and_await and completes the epic.

If the waiting agent held the worker, its children could never run and the test would time out: a
solo worker is the proof that the parent pauses on the checkpointer instead."""

import json
from decimal import Decimal

import httpx
import pytest

from apps.agents.models import Epic, Task
from apps.audit.models import AuditEntry
from apps.execution.models import ExecutionLog, WorkflowExecution
from tests.conftest import client_for
from tests.execution.builders import build_workflow
from tests.factories import LLMCredentialFactory, UserFactory
from tests.integration.test_crash_recovery import no_session_worker  # noqa: F401 - fixture
from tests.integration.test_engine_flows import wait_finished
from tests.support.live import start_worker
from tests.support.worker import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

DOUBLER_DSL = """
name: Doubler
trigger: none
model: inherit
steps:
  - id: double
    type: agent
    prompt: Double the number you are given. Answer with the number only.
"""


def _results(body) -> list[dict]:
    return [json.loads(m["content"]) for m in body["messages"] if m["role"] == "tool"]


class Orchestrator:
    """The parent's scripted model: every step reads the ids earlier tool answers returned."""

    def ids(self, body):
        results = _results(body)
        epic_id = next(r["epic_id"] for r in results if "epic_id" in r)
        task_ids = list(dict.fromkeys(r["task_id"] for r in results if "task_id" in r))
        slug = next((r["slug"] for r in results if "slug" in r), None)
        return epic_id, task_ids, slug

    def tasks(self, body):
        epic_id, _, _ = self.ids(body)
        return [
            {"name": "update_epic", "arguments": {"epic_id": epic_id, "status": "active"}},
            {"name": "create_task", "arguments": {"epic_id": epic_id, "title": "Double 21"}},
            {"name": "create_task", "arguments": {"epic_id": epic_id, "title": "Double 50"}},
        ]

    def first_spawn(self, body):
        _, (first, _), slug = self.ids(body)
        return [
            {
                "name": "spawn_and_await",
                "arguments": {"workflow_slug": slug, "input_text": "21", "task_id": first},
            }
        ]

    def record_and_second_spawn(self, body):
        _, (first, second), slug = self.ids(body)
        answer = _results(body)[-1]
        assert answer["success"] is True and answer["result"]["output"] == "42", answer
        return [
            {
                "name": "update_task",
                "arguments": {"task_id": first, "status": "completed", "result_summary": "42"},
            },
            {
                "name": "spawn_and_await",
                "arguments": {"workflow_slug": slug, "input_text": "50", "task_id": second},
            },
        ]

    def record_and_complete(self, body):
        epic_id, (_, second), _ = self.ids(body)
        assert _results(body)[-1]["result"]["output"] == "100"
        return [
            {
                "name": "update_task",
                "arguments": {"task_id": second, "status": "completed", "result_summary": "100"},
            },
            {
                "name": "update_epic",
                "arguments": {"epic_id": epic_id, "status": "completed", "result_summary": "42, 100"},
            },
        ]


def orchestrator_workflow(owner, credential):
    return build_workflow(
        owner=owner,
        slug="orchestrator",
        nodes={
            "chat": {"component_type": "trigger_chat"},
            "agent": {"component_type": "agent", "config": {"system_prompt": "You delegate."}},
            "model": {
                "component_type": "ai_model",
                "config": {"credential_id": credential.pk, "model_name": "gpt-4o-mini", "max_retries": 0},
            },
            "epics": {"component_type": "epic_tools"},
            "tasks": {"component_type": "task_tools"},
            "create": {"component_type": "workflow_create"},
            "spawn": {"component_type": "spawn_and_await"},
        },
        edges=[
            ("chat", "agent"),
            ("model", "agent", {"edge_label": "llm"}),
            *[(tool, "agent", {"edge_label": "tool"}) for tool in ("epics", "tasks", "create", "spawn")],
        ],
    )


@pytest.mark.timeout(240)
def test_an_agent_runs_an_epic_through_dsl_and_spawn_and_await_on_a_single_worker(
    asgi_server,
    no_session_worker,  # noqa: F811
    fake_openai,
):
    owner = client_for(UserFactory(username="delegator"))
    credential = LLMCredentialFactory(base_url=fake_openai.url + "/v1", api_key="sk-test")
    workflow = orchestrator_workflow(owner.user, credential)
    plan = Orchestrator()
    fake_openai.tool_call("create_epic", {"title": "Double numbers", "budget_tokens": 100000})
    fake_openai.tool_calls_from(plan.tasks)
    fake_openai.tool_call("workflow_create", {"dsl": DOUBLER_DSL})
    fake_openai.tool_calls_from(plan.first_spawn)
    fake_openai.reply("42", usage=(40, 2))  # the first child's agent
    fake_openai.tool_calls_from(plan.record_and_second_spawn)
    fake_openai.reply("100", usage=(50, 3))  # the second child's agent
    fake_openai.tool_calls_from(plan.record_and_complete)
    fake_openai.reply("Done: 42 and 100.")

    worker = start_worker("delegation-solo", concurrency=1, pool="solo")
    try:
        response = httpx.post(
            f"{asgi_server.url}/api/v1/workflows/{workflow.slug}/chat/",
            json={"text": "Double 21 and 50 with a workflow"},
            headers={"Authorization": f"Bearer {owner.raw_key}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        parent = wait_finished(response.json()["execution_id"], timeout=180)
        assert worker.proc.poll() is None, "the single worker process died"
    finally:
        worker.stop()

    assert parent.status == "completed", parent.error_message
    assert parent.final_output["output"] == "Done: 42 and 100."
    assert fake_openai.pending == 0
    children = list(WorkflowExecution.objects.filter(parent_execution=parent).order_by("created_at"))
    assert [(c.workflow.slug, c.status, c.parent_node_key) for c in children] == [
        ("doubler", "completed", "agent"),
        ("doubler", "completed", "agent"),
    ]
    assert [c.trigger_payload["text"] for c in children] == ["21", "50"]
    # The agent paused once per child and its run ended once.
    statuses = list(
        ExecutionLog.objects.filter(execution=parent, node_id="agent")
        .order_by("id")
        .values_list("status", flat=True)
    )
    assert statuses == ["interrupted", "interrupted", "success"]

    # Children charge their tasks in their own finish hooks: wait for the second charge to land.
    epic = wait_until(lambda: Epic.objects.filter(user=owner.user, spent_tokens=95).first(), timeout=20)
    assert (epic.status, epic.total_tasks, epic.completed_tasks) == ("completed", 2, 2)
    tasks = list(Task.objects.filter(epic=epic).order_by("id"))
    assert [t.execution_id for t in tasks] == [c.pk for c in children]
    assert [(t.status, t.result_summary) for t in tasks] == [("completed", "42"), ("completed", "100")]
    # Costs roll up: each child's cost is its task's, and the epic spent the sum of its executions.
    for task, child in zip(tasks, children, strict=True):
        assert (task.actual_tokens, task.actual_usd) == (child.total_tokens, child.total_cost_usd)
    assert epic.spent_tokens == sum(c.total_tokens for c in children) == 42 + 53
    assert epic.spent_usd == sum((c.total_cost_usd for c in children), Decimal(0)) > 0
    # Every write the tools made is in the audit log as the owner's, through the agent door.
    entries = AuditEntry.objects.filter(request_id=str(parent.execution_id))
    actions = set(entries.values_list("action", flat=True))
    assert {"epic.create", "task.create", "task.update", "workflow.create"} <= actions, actions
    assert set(entries.values_list("actor_username", "source")) == {("delegator", "agent")}


def test_a_failing_child_answers_the_agent_with_its_error_and_the_agent_goes_on(
    asgi_server, celery_worker, fake_openai
):
    owner = client_for(UserFactory(username="delegator-2"))
    credential = LLMCredentialFactory(base_url=fake_openai.url + "/v1", api_key="sk-test")
    workflow = orchestrator_workflow(owner.user, credential)
    build_workflow(
        owner=owner.user,
        slug="breaks",
        nodes={
            "enter": {"component_type": "trigger_workflow"},
            "boom": {"component_type": "code", "config": {"code": "raise ValueError('no luck')"}},
        },
        edges=[("enter", "boom")],
    )
    fake_openai.tool_call("spawn_and_await", {"workflow_slug": "breaks", "input_text": "go"})
    fake_openai.reply("The helper failed: no luck.")

    response = httpx.post(
        f"{asgi_server.url}/api/v1/workflows/{workflow.slug}/chat/",
        json={"text": "try it"},
        headers={"Authorization": f"Bearer {owner.raw_key}"},
        timeout=10,
    )
    parent = wait_finished(response.json()["execution_id"], timeout=90)

    assert parent.status == "completed", parent.error_message
    (child,) = WorkflowExecution.objects.filter(parent_execution=parent)
    assert child.status == "failed"
    answer = json.loads(
        next(m for m in fake_openai.chat_requests[-1].body["messages"] if m["role"] == "tool")["content"]
    )
    assert answer["success"] is False and answer["error_code"] == "subworkflow_failed"
    assert "no luck" in answer["error"]
