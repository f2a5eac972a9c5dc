"""/api/v1/tasks/: dependencies, lifecycle, budgets, links, delete and batch-delete."""

import pytest

from apps.agents.models import Epic, Task
from tests.factories import EpicFactory, WorkflowExecutionFactory, WorkflowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def epic(api_client):
    return EpicFactory(user=api_client.user, status="active")


def create(client, epic, **body):
    response = client.post("/api/v1/tasks/", {"epic_id": epic.pk, "title": "t", **body}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def patch(client, task, **body):
    return client.patch(f"/api/v1/tasks/{task['id']}/", body, format="json")


def finish(client, task):
    assert patch(client, task, status="running").status_code == 200
    response = patch(client, task, status="completed", result_summary="done")
    assert response.status_code == 200, response.json()
    return response.json()


def test_create_returns_the_full_task_and_counts_it_on_the_epic(api_client, epic):
    task = create(
        api_client,
        epic,
        description="d",
        tags=["db"],
        priority=1,
        estimated_tokens=500,
        max_retries=3,
        requirements={"model": "gpt-4"},
    )
    assert task["id"].startswith("tk_") and task["epic_id"] == epic.pk
    assert (
        task["status"] == "pending"
        and task["depends_on"] == []
        and task["requirements"] == {"model": "gpt-4"}
    )
    assert task["max_retries"] == 3 and task["retry_count"] == 0 and task["notes"] == []
    assert api_client.get(f"/api/v1/epics/{epic.pk}/").json()["total_tasks"] == 1


def test_create_in_an_unknown_or_foreign_epic_is_404(api_client):
    response = api_client.post("/api/v1/tasks/", {"epic_id": "ep_x", "title": "t"}, format="json")
    assert response.status_code == 404 and response.json() == {"detail": "Epic not found."}
    foreign = EpicFactory()
    assert (
        api_client.post("/api/v1/tasks/", {"epic_id": foreign.pk, "title": "t"}, format="json").status_code
        == 404
    )


def test_dependencies_must_be_tasks_of_the_same_epic(api_client, epic):
    other = create(api_client, EpicFactory(user=api_client.user))
    response = api_client.post(
        "/api/v1/tasks/", {"epic_id": epic.pk, "title": "t", "depends_on": [other["id"]]}, format="json"
    )
    assert response.status_code == 422 and other["id"] in response.json()["detail"]
    assert not Task.objects.filter(epic=epic).exists()


def test_a_task_with_unfinished_dependencies_starts_blocked_and_unblocks_when_all_complete(api_client, epic):
    a, b = create(api_client, epic, title="a"), create(api_client, epic, title="b")
    c = create(api_client, epic, title="c", depends_on=[a["id"], b["id"]])
    assert c["status"] == "blocked"
    finish(api_client, a)
    assert api_client.get(f"/api/v1/tasks/{c['id']}/").json()["status"] == "blocked"
    finish(api_client, b)
    assert api_client.get(f"/api/v1/tasks/{c['id']}/").json()["status"] == "pending"
    d = create(api_client, epic, title="d", depends_on=[a["id"]])
    assert d["status"] == "pending"  # its only dependency is already completed


def test_a_blocked_task_cannot_be_forced_pending_or_started(api_client, epic):
    a = create(api_client, epic)
    b = create(api_client, epic, depends_on=[a["id"]])
    response = patch(api_client, b, status="pending")
    assert response.status_code == 409 and a["id"] in response.json()["detail"]
    response = patch(api_client, b, status="running")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "'blocked'" in detail and "'running'" in detail and "cancelled, pending" in detail


def test_illegal_task_transitions_are_409_and_change_nothing(api_client, epic):
    task = create(api_client, epic)
    response = patch(api_client, task, status="completed", title="renamed")
    assert response.status_code == 409
    assert "'pending' to 'completed'" in response.json()["detail"]
    assert "blocked, cancelled, running" in response.json()["detail"]
    assert Task.objects.get(pk=task["id"]).title == "t"
    finish(api_client, task)
    response = patch(api_client, task, status="running")
    assert response.status_code == 409 and "completed is final" in response.json()["detail"]


def test_running_and_finishing_stamp_times_and_counters(api_client, epic):
    task = create(api_client, epic)
    running = patch(api_client, task, status="running").json()
    assert running["started_at"] is not None and running["completed_at"] is None
    failed = patch(api_client, task, status="failed", error_message="boom").json()
    assert failed["completed_at"] is not None and failed["duration_ms"] is not None
    assert failed["error_message"] == "boom"
    assert api_client.get(f"/api/v1/epics/{epic.pk}/").json()["failed_tasks"] == 1


def test_failed_tasks_retry_until_max_retries(api_client, epic):
    task = create(api_client, epic, max_retries=1)
    patch(api_client, task, status="running")
    patch(api_client, task, status="failed")
    retried = patch(api_client, task, status="pending").json()
    assert retried["status"] == "pending" and retried["retry_count"] == 1
    patch(api_client, task, status="running")
    patch(api_client, task, status="failed")
    response = patch(api_client, task, status="pending")
    assert response.status_code == 409 and "retries" in response.json()["detail"]


def test_tasks_of_a_paused_epic_cannot_start_and_finished_epics_take_no_tasks(api_client, epic):
    task = create(api_client, epic)
    epic_url = f"/api/v1/epics/{epic.pk}/"
    api_client.patch(epic_url, {"status": "paused"}, format="json")
    response = patch(api_client, task, status="running")
    assert response.status_code == 409 and "paused" in response.json()["detail"]
    api_client.patch(epic_url, {"status": "cancelled"}, format="json")
    response = api_client.post("/api/v1/tasks/", {"epic_id": epic.pk, "title": "late"}, format="json")
    assert response.status_code == 409 and "cancelled" in response.json()["detail"]


def test_a_task_that_would_exceed_the_token_budget_is_refused(api_client, epic):
    Epic.objects.filter(pk=epic.pk).update(budget_tokens=1000, spent_tokens=0)
    create(api_client, epic, estimated_tokens=1000)
    response = api_client.post(
        "/api/v1/tasks/", {"epic_id": epic.pk, "title": "big", "estimated_tokens": 1001}, format="json"
    )
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "token budget" in detail and "1001" in detail and "1000" in detail
    assert Task.objects.filter(epic=epic).count() == 1


def test_a_task_is_refused_once_the_usd_budget_is_spent(api_client, epic):
    task = create(api_client, epic)
    Epic.objects.filter(pk=epic.pk).update(budget_usd="0.50")
    execution = WorkflowExecutionFactory(
        workflow__owner=api_client.user, total_tokens=10, total_cost_usd="0.50"
    )
    from apps.agents import services

    services.task_record_execution_cost(task=Task.objects.get(pk=task["id"]), execution=execution)
    response = api_client.post("/api/v1/tasks/", {"epic_id": epic.pk, "title": "more"}, format="json")
    assert response.status_code == 409 and "USD budget" in response.json()["detail"]
    assert patch(api_client, task, status="running").status_code == 409


def test_patch_links_workflow_by_slug_and_execution_by_id(api_client, epic):
    workflow = WorkflowFactory(owner=api_client.user, slug="schema-gen")
    execution = WorkflowExecutionFactory(workflow=workflow)
    task = create(api_client, epic, workflow_slug="schema-gen")
    assert task["workflow_id"] == workflow.pk and task["workflow_slug"] == "schema-gen"
    planned = create(api_client, epic, workflow_slug="not-yet-created")
    assert planned["workflow_id"] is None and planned["workflow_slug"] == "not-yet-created"
    body = patch(api_client, planned, execution_id=str(execution.execution_id), notes=["a", "b"]).json()
    assert body["execution_id"] == str(execution.execution_id) and body["notes"] == ["a", "b"]
    foreign = WorkflowExecutionFactory()
    response = patch(api_client, planned, execution_id=str(foreign.execution_id))
    assert response.status_code == 422
    cleared = patch(api_client, planned, execution_id=None, workflow_slug=None).json()
    assert cleared["execution_id"] is None and cleared["workflow_slug"] is None


def test_list_filters_by_epic_status_and_tags(api_client, epic):
    other = EpicFactory(user=api_client.user)
    a = create(api_client, epic, tags=["db"])
    create(api_client, epic, depends_on=[a["id"]])
    create(api_client, other)
    EpicFactory()  # foreign, with no visible tasks
    assert api_client.get("/api/v1/tasks/").json()["total"] == 3
    assert api_client.get(f"/api/v1/tasks/?epic_id={epic.pk}").json()["total"] == 2
    assert api_client.get("/api/v1/tasks/?status=blocked").json()["total"] == 1
    assert [t["id"] for t in api_client.get("/api/v1/tasks/?tags=db").json()["items"]] == [a["id"]]
    assert api_client.get("/api/v1/tasks/?status=zzz").status_code == 422


def test_detail_of_a_foreign_task_is_404(api_client):
    other_epic = EpicFactory()
    from apps.agents import services

    task = services.task_create(epic=other_epic, title="secret")
    response = api_client.get(f"/api/v1/tasks/{task.pk}/")
    assert response.status_code == 404 and response.json() == {"detail": "Task not found."}


def test_deleting_a_dependency_frees_its_dependents_and_recounts(api_client, epic):
    a, b = create(api_client, epic), create(api_client, epic)
    c = create(api_client, epic, depends_on=[a["id"], b["id"]])
    finish(api_client, b)
    assert api_client.delete(f"/api/v1/tasks/{a['id']}/").status_code == 204
    after = api_client.get(f"/api/v1/tasks/{c['id']}/").json()
    assert after["depends_on"] == [b["id"]] and after["status"] == "pending"
    counts = api_client.get(f"/api/v1/epics/{epic.pk}/").json()
    assert counts["total_tasks"] == 2 and counts["completed_tasks"] == 1


def test_batch_delete_removes_only_visible_tasks(api_client, epic):
    a, b = create(api_client, epic), create(api_client, epic)
    from apps.agents import services

    foreign = services.task_create(epic=EpicFactory(), title="other")
    response = api_client.post(
        "/api/v1/tasks/batch-delete/", {"task_ids": [a["id"], b["id"], foreign.pk]}, format="json"
    )
    assert response.status_code == 204
    assert list(Task.objects.values_list("pk", flat=True)) == [foreign.pk]
    assert api_client.get(f"/api/v1/epics/{epic.pk}/").json()["total_tasks"] == 0
