"""/api/v1/epics/: create, list with filters, detail, patch through the lifecycle, delete, tasks."""

import pytest

from apps.agents import services
from apps.agents.models import Epic, Task
from tests.factories import AdminFactory, EpicFactory, UserFactory, WorkflowFactory

pytestmark = pytest.mark.django_db


def create(client, **body):
    response = client.post("/api/v1/epics/", {"title": "Ship it", **body}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_create_returns_the_full_epic_with_a_sortable_ep_id(api_client):
    workflow = WorkflowFactory(owner=api_client.user)
    epic = create(
        api_client,
        description="d",
        tags=["backend", "ops"],
        priority=1,
        budget_tokens=1000,
        budget_usd=5.0,
        workflow_id=workflow.pk,
    )
    assert epic["id"].startswith("ep_") and len(epic["id"]) == 29
    assert epic["status"] == "planning" and epic["priority"] == 1
    assert epic["budget_tokens"] == 1000 and epic["budget_usd"] == 5.0
    assert epic["spent_tokens"] == 0 and epic["spent_usd"] == 0.0
    assert epic["total_tasks"] == 0 and epic["workflow_id"] == workflow.pk
    assert epic["user_id"] == api_client.user.pk and epic["completed_at"] is None
    later = create(api_client)
    assert later["id"] > epic["id"]


def test_create_rejects_bad_input_with_422(api_client):
    assert api_client.post("/api/v1/epics/", {}, format="json").status_code == 422
    bad_priority = api_client.post("/api/v1/epics/", {"title": "x", "priority": 9}, format="json")
    assert bad_priority.status_code == 422 and bad_priority.json()["detail"][0]["loc"] == ["body", "priority"]
    foreign = WorkflowFactory()  # someone else's
    response = api_client.post("/api/v1/epics/", {"title": "x", "workflow_id": foreign.pk}, format="json")
    assert response.status_code == 422 and "not found" in response.json()["detail"]
    assert not Epic.objects.exists()


def test_list_shows_own_epics_filtered_by_status_and_tags(api_client):
    a = create(api_client, tags=["backend"])
    b = create(api_client, tags=["frontend", "ux"])
    api_client.patch(f"/api/v1/epics/{b['id']}/", {"status": "active"}, format="json")
    EpicFactory(title="someone else's")
    listing = api_client.get("/api/v1/epics/").json()
    assert listing["total"] == 2 and [e["id"] for e in listing["items"]] == [b["id"], a["id"]]
    assert [e["id"] for e in api_client.get("/api/v1/epics/?status=active").json()["items"]] == [b["id"]]
    tagged = api_client.get("/api/v1/epics/?tags=backend,ux").json()
    assert tagged["total"] == 2
    assert api_client.get("/api/v1/epics/?tags=ops").json()["total"] == 0
    assert api_client.get("/api/v1/epics/?status=nope").status_code == 422
    assert api_client.get("/api/v1/epics/?limit=1&offset=1").json()["items"][0]["id"] == a["id"]


def test_admins_see_every_epic_and_others_get_404(api_client, admin_client):
    mine = create(api_client)
    assert admin_client.get("/api/v1/epics/").json()["total"] == 1
    assert admin_client.get(f"/api/v1/epics/{mine['id']}/").status_code == 200
    other = EpicFactory(user=UserFactory())
    response = api_client.get(f"/api/v1/epics/{other.pk}/")
    assert response.status_code == 404 and response.json() == {"detail": "Epic not found."}
    assert api_client.patch(f"/api/v1/epics/{other.pk}/", {"title": "x"}, format="json").status_code == 404
    assert api_client.delete(f"/api/v1/epics/{other.pk}/").status_code == 404


def test_the_human_who_created_an_agent_user_sees_its_epics(api_client):
    from tests.factories import AgentUserFactory

    agent = AgentUserFactory(created_by=api_client.user)
    epic = EpicFactory(user=agent)
    assert api_client.get(f"/api/v1/epics/{epic.pk}/").status_code == 200


def test_patch_follows_the_lifecycle(api_client):
    epic = create(api_client)
    url = f"/api/v1/epics/{epic['id']}/"
    for status in ("active", "paused", "active", "completed"):
        response = api_client.patch(url, {"status": status}, format="json")
        assert response.status_code == 200 and response.json()["status"] == status
    assert response.json()["completed_at"] is not None


def test_illegal_epic_transition_is_409_naming_from_to_and_legal_moves(api_client):
    epic = create(api_client)
    url = f"/api/v1/epics/{epic['id']}/"
    response = api_client.patch(url, {"status": "completed", "title": "renamed"}, format="json")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "'planning'" in detail and "'completed'" in detail and "active, cancelled" in detail
    assert api_client.get(url).json()["title"] == "Ship it"  # nothing half-written
    api_client.patch(url, {"status": "cancelled"}, format="json")
    response = api_client.patch(url, {"status": "active"}, format="json")
    assert response.status_code == 409 and "cancelled is final" in response.json()["detail"]


def test_an_epic_with_open_tasks_cannot_complete(api_client):
    epic = create(api_client)
    api_client.patch(f"/api/v1/epics/{epic['id']}/", {"status": "active"}, format="json")
    task = api_client.post("/api/v1/tasks/", {"epic_id": epic["id"], "title": "t"}, format="json").json()
    response = api_client.patch(f"/api/v1/epics/{epic['id']}/", {"status": "completed"}, format="json")
    assert response.status_code == 409 and task["id"] in response.json()["detail"]


def test_cancelling_an_epic_cancels_its_open_tasks_only(api_client):
    epic = create(api_client)
    eid = epic["id"]
    api_client.patch(f"/api/v1/epics/{eid}/", {"status": "active"}, format="json")
    done = api_client.post("/api/v1/tasks/", {"epic_id": eid, "title": "done"}, format="json").json()
    api_client.patch(f"/api/v1/tasks/{done['id']}/", {"status": "running"}, format="json")
    api_client.patch(f"/api/v1/tasks/{done['id']}/", {"status": "completed"}, format="json")
    running = api_client.post("/api/v1/tasks/", {"epic_id": eid, "title": "running"}, format="json").json()
    api_client.patch(f"/api/v1/tasks/{running['id']}/", {"status": "running"}, format="json")
    pending = api_client.post("/api/v1/tasks/", {"epic_id": eid, "title": "pending"}, format="json").json()
    response = api_client.patch(f"/api/v1/epics/{eid}/", {"status": "cancelled"}, format="json")
    assert response.status_code == 200
    statuses = {t.pk: t.status for t in Task.objects.all()}
    assert statuses == {done["id"]: "completed", running["id"]: "cancelled", pending["id"]: "cancelled"}


def test_patch_updates_fields_and_budget(api_client):
    epic = create(api_client)
    response = api_client.patch(
        f"/api/v1/epics/{epic['id']}/",
        {"title": "New", "tags": ["x"], "budget_usd": 1.25, "budget_tokens": None, "result_summary": "ok"},
        format="json",
    )
    body = response.json()
    assert body["title"] == "New" and body["tags"] == ["x"] and body["budget_usd"] == 1.25
    assert body["result_summary"] == "ok"


def test_delete_and_batch_delete_remove_epics_with_their_tasks(api_client):
    a, b, c = create(api_client), create(api_client), create(api_client)
    services.task_create(epic=Epic.objects.get(pk=a["id"]), title="t")
    foreign = EpicFactory()
    assert api_client.delete(f"/api/v1/epics/{a['id']}/").status_code == 204
    assert not Task.objects.exists()
    response = api_client.post(
        "/api/v1/epics/batch-delete/",
        {"epic_ids": [b["id"], c["id"], foreign.pk, "ep_missing"]},
        format="json",
    )
    assert response.status_code == 204
    assert list(Epic.objects.values_list("pk", flat=True)) == [foreign.pk]
    assert api_client.post("/api/v1/epics/batch-delete/", {}, format="json").status_code == 422


def test_epic_tasks_lists_only_that_epics_tasks(api_client):
    a, b = create(api_client), create(api_client)
    t1 = api_client.post("/api/v1/tasks/", {"epic_id": a["id"], "title": "one"}, format="json").json()
    api_client.post("/api/v1/tasks/", {"epic_id": b["id"], "title": "two"}, format="json")
    listing = api_client.get(f"/api/v1/epics/{a['id']}/tasks/").json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == t1["id"]
    assert api_client.get("/api/v1/epics/ep_nope/tasks/").status_code == 404


def test_admin_may_manage_other_users_epics(api_client):
    epic = create(api_client)
    admin = AdminFactory()
    from tests.conftest import client_for

    client = client_for(admin)
    assert (
        client.patch(f"/api/v1/epics/{epic['id']}/", {"status": "active"}, format="json").status_code == 200
    )
