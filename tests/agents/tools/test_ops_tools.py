"""system_health and scheduler_tools: platform checks, and schedules through the schedule services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.agents.tools.context import ToolContext
from apps.agents.tools.ops_tools import scheduler_tools, system_health_tools
from apps.execution.models import ScheduledJob
from tests.execution.builders import build_workflow
from tests.factories import UserFactory, WorkflowExecutionFactory, WorkflowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled_flow(owner):
    return build_workflow(
        owner=owner,
        slug="ticking",
        nodes={"tick": {"component_type": "trigger_schedule"}, "code": {"component_type": "code"}},
        edges=[("tick", "code")],
    )


def test_health_reports_stuck_and_failed_executions_of_visible_workflows_only(tool_context, workflow, call):
    now = timezone.now()
    WorkflowExecutionFactory(workflow=workflow, status="running", started_at=now - timedelta(minutes=30))
    for _ in range(6):
        WorkflowExecutionFactory(workflow=workflow, status="failed", error_message="LLM timeout")
    stranger_flow = WorkflowFactory(owner=UserFactory(username="stranger"))
    WorkflowExecutionFactory(workflow=stranger_flow, status="failed", error_message="secret failure")

    report = call(system_health_tools(tool_context), "check_system_health")
    checks = report["checks"]
    assert checks["redis"]["status"] == "ok" and "connected_clients" in checks["redis"]
    assert checks["stuck_executions"]["count"] == 1
    assert checks["failed_executions"]["total_24h"] == 6
    assert checks["failed_executions"]["by_error"] == [{"error": "LLM timeout", "count": 6}]
    assert report["summary"] == "critical"  # a stuck execution (and no worker runs in this test)
    assert {i["check"] for i in report["issues"]} >= {"stuck_executions", "failed_executions"}


def test_scheduler_tools_create_list_pause_resume_and_stop(tool_context, scheduled_flow, owner, call):
    tools = scheduler_tools(tool_context)
    created = call(
        tools, "create_schedule", name="Hourly", workflow_id=scheduled_flow.pk, interval_seconds=3600
    )
    assert created["success"] is True and created["status"] == "active"
    job = ScheduledJob.objects.get(pk=created["schedule_id"])
    assert job.user == owner and job.trigger_node.node_id == "tick" and job.interval_seconds == 3600

    listed = call(tools, "list_schedules", workflow_id=scheduled_flow.pk)
    assert [r["schedule_id"] for r in listed["results"]] == [created["schedule_id"]]
    assert call(tools, "pause_schedule", schedule_id=created["schedule_id"])["status"] == "paused"
    assert call(tools, "list_schedules", status="active")["results"] == []
    assert call(tools, "resume_schedule", schedule_id=created["schedule_id"])["status"] == "active"
    stopped = call(tools, "stop_schedule", schedule_id=created["schedule_id"])
    assert stopped == {"success": True, "schedule_id": created["schedule_id"], "deleted": True}
    assert not ScheduledJob.objects.exists()


def test_scheduler_refuses_bad_input_and_other_users_workflows(tool_context, workflow, call):
    tools = scheduler_tools(tool_context)
    no_trigger = call(
        tools, "create_schedule", name="x", interval_seconds=60
    )  # this workflow: no schedule node
    assert no_trigger["success"] is False and "trigger_schedule" in no_trigger["error"]
    stranger_flow = build_workflow(
        owner=UserFactory(username="stranger"),
        nodes={"tick": {"component_type": "trigger_schedule"}},
        edges=[],
    )
    foreign = call(tools, "create_schedule", name="x", workflow_id=stranger_flow.pk, interval_seconds=60)
    assert foreign["success"] is False and "not found" in foreign["error"]
    assert not ScheduledJob.objects.exists()


def test_scheduler_validates_the_interval(tool_context, scheduled_flow, call):
    answer = call(
        scheduler_tools(tool_context),
        "create_schedule",
        name="x",
        workflow_id=scheduled_flow.pk,
        interval_seconds=0,
    )
    assert answer["success"] is False and "interval_seconds" in answer["error"]


def test_a_stranger_cannot_pause_a_schedule(tool_context, scheduled_flow, call):
    created = call(
        scheduler_tools(tool_context),
        "create_schedule",
        name="x",
        workflow_id=scheduled_flow.pk,
        interval_seconds=60,
    )
    stranger_flow = WorkflowFactory(owner=UserFactory(username="stranger"))
    context = ToolContext(
        execution_id="x", workflow_slug=stranger_flow.slug, agent_node_id="a", tool_node_id="t"
    )
    answer = call(scheduler_tools(context), "pause_schedule", schedule_id=created["schedule_id"])
    assert answer["success"] is False
    assert ScheduledJob.objects.get(pk=created["schedule_id"]).status == "active"
