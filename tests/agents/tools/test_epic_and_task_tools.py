"""epic_tools and task_tools act as the workflow owner through the registry services."""

import pytest

from apps.agents.models import Epic, Task
from apps.agents.tools.context import ToolContext
from apps.agents.tools.epic_tools import epic_tools
from apps.agents.tools.task_tools import task_tools
from tests.factories import EpicFactory, UserFactory, WorkflowExecutionFactory

pytestmark = pytest.mark.django_db


def test_create_epic_belongs_to_the_owner_and_names_the_agent_node(tool_context, owner, workflow, call):
    answer = call(epic_tools(tool_context), "create_epic", title="Pipeline", tags="data, ops", priority=1)
    assert answer["success"] is True and answer["status"] == "planning"
    epic = Epic.objects.get(pk=answer["epic_id"])
    assert epic.user == owner and epic.workflow == workflow
    assert epic.created_by_node_id == "agent" and epic.tags == ["data", "ops"] and epic.priority == 1


def test_bad_epic_input_is_refused_with_the_api_validation_message(tool_context, call):
    answer = call(epic_tools(tool_context), "create_epic", title="x", priority=9)
    assert answer["success"] is False and "priority" in answer["error"]
    assert not Epic.objects.exists()


def test_task_dependencies_block_then_unblock_and_the_epic_completes(tool_context, call):
    epics, tasks = epic_tools(tool_context), task_tools(tool_context)
    epic_id = call(epics, "create_epic", title="Weather")["epic_id"]
    assert call(epics, "update_epic", epic_id=epic_id, status="active")["status"] == "active"
    first = call(tasks, "create_task", epic_id=epic_id, title="Fetch")
    second = call(tasks, "create_task", epic_id=epic_id, title="Store", depends_on=first["task_id"])
    assert (first["status"], second["status"]) == ("pending", "blocked")
    assert second["depends_on"] == [first["task_id"]]

    early = call(epics, "update_epic", epic_id=epic_id, status="completed")
    assert early["success"] is False and "still open" in early["error"]

    assert call(tasks, "update_task", task_id=first["task_id"], status="running")["status"] == "running"
    done = call(tasks, "update_task", task_id=first["task_id"], status="completed", notes="fetched 24 rows")
    assert done == {"success": True, "task_id": first["task_id"], "status": "completed"}
    assert Task.objects.get(pk=second["task_id"]).status == "pending"
    assert Task.objects.get(pk=first["task_id"]).notes[0]["text"] == "fetched 24 rows"
    call(tasks, "update_task", task_id=second["task_id"], status="running")
    call(tasks, "update_task", task_id=second["task_id"], status="completed", result_summary="stored")

    listed = call(tasks, "list_tasks", epic_id=epic_id)
    assert listed["total"] == 2 and {t["status"] for t in listed["tasks"]} == {"completed"}
    status = call(epics, "epic_status", epic_id=epic_id)
    assert status["epic"]["completed_tasks"] == 2 and status["task_counts"] == {"completed": 2}
    final = call(epics, "update_epic", epic_id=epic_id, status="completed", result_summary="done")
    assert final["status"] == "completed"
    found = call(epics, "search_epics", query="weath", status="completed")
    assert [r["epic_id"] for r in found["results"]] == [epic_id] and found["success_rate"] == 1.0


def test_budgets_are_refused_clearly(tool_context, call):
    epics, tasks = epic_tools(tool_context), task_tools(tool_context)
    epic_id = call(epics, "create_epic", title="Cheap", budget_tokens=1000)["epic_id"]
    answer = call(tasks, "create_task", epic_id=epic_id, title="Big", estimated_tokens=5000)
    assert answer["success"] is False and "token budget" in answer["error"]
    assert not Task.objects.exists()


def test_illegal_transition_names_the_legal_moves(tool_context, call):
    epics, tasks = epic_tools(tool_context), task_tools(tool_context)
    epic_id = call(epics, "create_epic", title="E")["epic_id"]
    task_id = call(tasks, "create_task", epic_id=epic_id, title="T")["task_id"]
    answer = call(tasks, "update_task", task_id=task_id, status="completed")
    assert answer["success"] is False and "Allowed from 'pending'" in answer["error"]


def test_cancel_task_cancels_its_running_execution_and_notes_the_reason(tool_context, workflow, call):
    epics, tasks = epic_tools(tool_context), task_tools(tool_context)
    epic_id = call(epics, "create_epic", title="E")["epic_id"]
    task_id = call(tasks, "create_task", epic_id=epic_id, title="T")["task_id"]
    child = WorkflowExecutionFactory(workflow=workflow, status="running")
    Task.objects.filter(pk=task_id).update(execution=child)
    answer = call(tasks, "cancel_task", task_id=task_id, reason="not needed")
    assert answer == {"success": True, "task_id": task_id, "execution_cancelled": True}
    child.refresh_from_db()
    task = Task.objects.get(pk=task_id)
    assert child.status == "cancelled" and task.status == "cancelled"
    assert task.notes[-1]["text"] == "cancelled: not needed"


def test_cancelling_the_epic_cascades_to_open_tasks(tool_context, call):
    epics, tasks = epic_tools(tool_context), task_tools(tool_context)
    epic_id = call(epics, "create_epic", title="E")["epic_id"]
    task_id = call(tasks, "create_task", epic_id=epic_id, title="T")["task_id"]
    assert call(epics, "update_epic", epic_id=epic_id, status="cancelled")["status"] == "cancelled"
    assert Task.objects.get(pk=task_id).status == "cancelled"


def test_epics_of_other_users_are_invisible(tool_context, call):
    stranger_epic = EpicFactory(user=UserFactory(username="stranger"))
    epics, tasks = epic_tools(tool_context), task_tools(tool_context)
    assert call(epics, "epic_status", epic_id=stranger_epic.pk)["success"] is False
    assert call(epics, "update_epic", epic_id=stranger_epic.pk, status="active")["success"] is False
    assert call(tasks, "create_task", epic_id=stranger_epic.pk, title="sneak")["success"] is False
    assert call(epics, "search_epics")["results"] == []
    stranger_epic.refresh_from_db()
    assert stranger_epic.status == "planning" and not Task.objects.exists()


def test_without_a_saved_workflow_the_tools_refuse(call):
    context = ToolContext(execution_id="exec-test", workflow_slug="nope", agent_node_id="a", tool_node_id="t")
    answer = call(epic_tools(context), "create_epic", title="x")
    assert answer["success"] is False and "not found" in answer["error"]
