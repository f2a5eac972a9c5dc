"""The editor's server-rendered past: badges from the latest execution's logs, the chat history fragment."""

import pytest
from django.test import Client

from apps.agents import conversations
from apps.execution.models import ExecutionLog
from tests.factories import UserFactory, WorkflowExecutionFactory, WorkflowFactory, WorkflowNodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def workflow(owner):
    workflow = WorkflowFactory(owner=owner, slug="flow")
    WorkflowNodeFactory(workflow=workflow, node_id="code_a", component_type="code")
    WorkflowNodeFactory(workflow=workflow, node_id="code_b", component_type="code", position_x=300)
    return workflow


@pytest.fixture
def web(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


def test_editor_renders_badges_from_the_latest_execution_only(web, workflow):
    old = WorkflowExecutionFactory(workflow=workflow, status="completed")
    ExecutionLog.objects.create(execution=old, node_id="code_b", status="failed", error="old failure")
    latest = WorkflowExecutionFactory(workflow=workflow, status="failed")
    ExecutionLog.objects.create(execution=latest, node_id="code_a", status="success", output={"n": 1})
    ExecutionLog.objects.create(execution=latest, node_id="code_a", status="failed", error="<retry> broke")
    html = web.get("/workflows/flow/").content.decode()
    assert 'class="node-badge node-badge--failed"' in html
    assert "&lt;retry&gt; broke" in html and "<retry>" not in html  # the last log wins, escaped
    assert 'id="badge-code_b" class="node-badge" role="status"' in html  # idle: the old run is ignored
    assert str(latest.execution_id) in html


def test_nodes_not_reached_by_a_running_execution_are_pending(web, workflow):
    running = WorkflowExecutionFactory(workflow=workflow, status="running")
    ExecutionLog.objects.create(execution=running, node_id="code_a", status="success", output={"n": 1})
    html = web.get("/workflows/flow/editor/graph/").content.decode()
    assert 'id="badge-code_a" class="node-badge node-badge--success"' in html
    assert 'id="badge-code_b" class="node-badge node-badge--pending"' in html


def test_chat_history_fragment_lists_and_clears_only_the_callers_thread(web, owner, workflow):
    mine = conversations.thread_id_for(user_id=owner.pk, workflow_id=workflow.pk)
    for thread in (mine, "someone-else"):  # checkpoints outlive a test database, whose ids repeat
        conversations.history_clear(thread_id=thread)
    conversations.append(mine, user="hi <b>", assistant="hello")
    conversations.append("someone-else", user="secret", assistant="x")
    html = web.get("/workflows/flow/editor/chat/history/").content.decode()
    assert "hi &lt;b&gt;" in html and "hello" in html and "secret" not in html
    assert web.delete("/workflows/flow/editor/chat/history/").status_code == 200
    assert conversations.load(mine) == []
    assert len(conversations.load("someone-else")) == 2


def test_chat_history_of_a_workflow_the_user_cannot_see_is_404(workflow):
    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get("/workflows/flow/editor/chat/history/").status_code == 404
    assert stranger.delete("/workflows/flow/editor/chat/history/").status_code == 404
    assert web_bad_before(workflow) == 400


def web_bad_before(workflow) -> int:
    client = Client()
    client.force_login(workflow.owner)
    return client.get("/workflows/flow/editor/chat/history/?before=yesterday").status_code
