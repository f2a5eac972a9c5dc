"""Agent tools end to end: a real worker runs an agent whose scripted model plans an epic with tasks;
platform_api calls the live daphne server as the agent's own user."""

import json
import threading
import time

import httpx
import pytest
from django.test import override_settings

from apps.agents.models import Epic, MemoryEpisode, Task
from apps.agents.tools.context import ToolContext
from apps.agents.tools.identity_tools import create_agent_user_tools
from apps.agents.tools.platform_api import platform_api_tools
from apps.workflows.models import Workflow, WorkflowNode
from tests.conftest import client_for
from tests.execution.builders import build_workflow
from tests.factories import LLMCredentialFactory, UserFactory, WorkflowExecutionFactory
from tests.integration.test_engine_flows import wait_finished
from tests.integration.test_realtime import Socket

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _tool_results(body) -> list[dict]:
    return [json.loads(m["content"]) for m in body["messages"] if m["role"] == "tool"]


class Planner:
    """The scripted model: each step reads the ids earlier tool calls returned."""

    def __init__(self):
        self.epic_id = None
        self.subscribed = threading.Event()

    def ids(self, body):
        results = _tool_results(body)
        epic_id = next(r["epic_id"] for r in results if "epic_id" in r)
        task_ids = list(dict.fromkeys(r["task_id"] for r in results if "task_id" in r))
        return epic_id, task_ids

    def activate_and_first_task(self, body):
        self.epic_id, _ = self.ids(body)
        assert self.subscribed.wait(30), "the test never subscribed to the epic"
        return [
            {"name": "update_epic", "arguments": {"epic_id": self.epic_id, "status": "active"}},
            {"name": "create_task", "arguments": {"epic_id": self.epic_id, "title": "Fetch weather"}},
        ]

    def dependent_task(self, body):
        epic_id, (first,) = self.ids(body)
        args = {"epic_id": epic_id, "title": "Store weather", "depends_on": first}
        return [{"name": "create_task", "arguments": args}]

    def work(self, index):
        def build(body):
            _, task_ids = self.ids(body)
            task_id = task_ids[index]
            return [
                {"name": "update_task", "arguments": {"task_id": task_id, "status": "running"}},
                {"name": "update_task", "arguments": {"task_id": task_id, "status": "completed"}},
            ]

        return build

    def complete(self, body):
        epic_id, _ = self.ids(body)
        args = {"epic_id": epic_id, "status": "completed", "result_summary": "Pipeline built"}
        return [{"name": "update_epic", "arguments": args}]


def _wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_agent_plans_an_epic_with_dependent_tasks_through_the_worker(asgi_server, celery_worker, fake_openai):
    owner = client_for(UserFactory(username="epic-planner"))
    credential = LLMCredentialFactory(base_url=fake_openai.url + "/v1", api_key="sk-test")
    workflow = build_workflow(
        owner=owner.user,
        nodes={
            "chat": {"component_type": "trigger_chat"},
            "agent": {"component_type": "agent", "config": {"system_prompt": "You plan with epics."}},
            "model": {
                "component_type": "ai_model",
                "config": {"credential_id": credential.pk, "model_name": "gpt-4o-mini", "max_retries": 0},
            },
            "epics": {"component_type": "epic_tools"},
            "tasks": {"component_type": "task_tools"},
        },
        edges=[
            ("chat", "agent"),
            ("model", "agent", {"edge_label": "llm"}),
            ("epics", "agent", {"edge_label": "tool"}),
            ("tasks", "agent", {"edge_label": "tool"}),
        ],
    )
    planner = Planner()
    fake_openai.tool_call("create_epic", {"title": "Weather pipeline", "tags": "data", "priority": 1})
    fake_openai.tool_calls_from(planner.activate_and_first_task)
    fake_openai.tool_calls_from(planner.dependent_task)
    fake_openai.tool_calls_from(planner.work(0))
    fake_openai.tool_calls_from(planner.work(1))
    fake_openai.tool_calls_from(planner.complete)
    fake_openai.reply("The weather pipeline epic is complete.")

    response = httpx.post(
        f"{asgi_server.url}/api/v1/workflows/{workflow.slug}/chat/",
        json={"text": "Build a weather pipeline"},
        headers={"Authorization": f"Bearer {owner.raw_key}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    _wait_for(lambda: planner.epic_id)
    socket = Socket(asgi_server.ws_url, owner.raw_key)
    assert socket.subscribe(f"epic:{planner.epic_id}")["type"] == "subscribed"
    planner.subscribed.set()
    events = socket.events_until(
        lambda e: e["type"] == "epic_updated" and e["data"]["status"] == "completed", timeout=90
    )
    socket.close()
    execution = wait_finished(response.json()["execution_id"], timeout=60)

    assert execution.status == "completed", execution.error_message
    assert execution.final_output["output"] == "The weather pipeline epic is complete."
    epic = Epic.objects.get(pk=planner.epic_id)
    assert epic.user == owner.user and epic.workflow == workflow and epic.created_by_node_id == "agent"
    assert (epic.status, epic.result_summary, epic.total_tasks, epic.completed_tasks) == (
        "completed",
        "Pipeline built",
        2,
        2,
    )
    fetch, store = Task.objects.filter(epic=epic).order_by("id")
    assert store.depends_on == [fetch.pk] and {fetch.status, store.status} == {"completed"}
    types = [e["type"] for e in events]
    assert types.count("task_created") == 2 and "epic_updated" in types
    blocked = [e for e in events if e["type"] == "task_created" and e["data"]["id"] == store.pk]
    assert blocked[0]["data"]["status"] == "blocked"
    assert any(
        e["type"] == "task_updated" and e["data"]["id"] == store.pk and e["data"]["status"] == "pending"
        for e in events
    ), "completing the first task unblocks the second"
    # The memory item of the issue: every finished execution leaves an episode.
    episode = _wait_for(lambda: MemoryEpisode.objects.filter(execution=execution).first(), timeout=20)
    assert episode.success is True and episode.workflow_slug == workflow.slug


def test_platform_api_calls_the_live_server_as_the_agents_own_user(asgi_server, transactional_db):
    owner = UserFactory(username="self-improver")
    workflow = build_workflow(
        owner=owner,
        slug="self-improving",
        nodes={
            "chat": {"component_type": "trigger_chat"},
            "agent": {"component_type": "agent", "config": {"system_prompt": "Be verbose."}},
        },
        edges=[("chat", "agent")],
    )
    execution = WorkflowExecutionFactory(workflow=workflow, status="running")
    context = ToolContext(
        execution_id=str(execution.execution_id),
        workflow_slug=workflow.slug,
        agent_node_id="agent",
        tool_node_id="api",
    )
    with override_settings(PIPELIT_API_BASE_URL=asgi_server.url):
        (api,) = platform_api_tools(context)
        refused = json.loads(api.invoke({"path": "/api/v1/workflows/"}))
        assert refused["success"] is False and "create_agent_user first" in refused["error"]

        (create,) = create_agent_user_tools(context)
        credentials = json.loads(create.invoke({"purpose": "Self-improvement"}))
        assert credentials["api_base_url"] == asgi_server.url

        listed = json.loads(api.invoke({"path": "/api/v1/workflows/"}))
        assert listed["status_code"] == 200 and listed["success"] is True
        assert [w["slug"] for w in listed["data"]["items"]] == ["self-improving"]

        body = json.dumps({"config": {"system_prompt": "Be concise."}})
        patch = {"method": "PATCH", "path": "/api/v1/workflows/self-improving/nodes/agent/", "body": body}
        # The workflow the agent runs in is off limits until its owner allows self-modification.
        refused_self = json.loads(api.invoke(patch))
        assert refused_self["status_code"] == 403 and refused_self["success"] is False, refused_self
        Workflow.objects.filter(pk=workflow.pk).update(allow_self_modification=True)
        patched = json.loads(api.invoke(patch))
        assert patched["success"] is True, patched
        admin_only = json.loads(api.invoke({"path": "/api/v1/users/", "api_key": credentials["api_key"]}))
        assert admin_only["status_code"] == 403 and admin_only["success"] is False
        assert admin_only["error"] == "HTTP 403"

        elsewhere = json.loads(api.invoke({"path": "https://example.com/steal"}))
        assert elsewhere["success"] is False and "starting with '/'" in elsewhere["error"]
        schema = json.loads(api.invoke({"path": "/openapi.json"}))
        assert schema["status_code"] == 200

    node = WorkflowNode.objects.get(workflow=workflow, node_id="agent")
    from apps.workflows.selectors import node_get
    from apps.workflows.serializers import serialize_node

    assert serialize_node(node_get(workflow=workflow, node_id=node.node_id))["config"]["system_prompt"] == (
        "Be concise."
    )
    # The agent user's powers stop at its owner's: another user's workflow stays invisible.
    stranger = client_for(UserFactory(username="stranger-api"))
    assert stranger.get("/api/v1/workflows/self-improving/").status_code == 404
    with override_settings(PIPELIT_API_BASE_URL=asgi_server.url):
        other = build_workflow(
            owner=stranger.user, nodes={"chat": {"component_type": "trigger_chat"}}, edges=[]
        )
        hidden = json.loads(api.invoke({"path": f"/api/v1/workflows/{other.slug}/"}))
        assert hidden["status_code"] == 404
