"""/api/v1/schedules/ and the node schedule actions."""

import uuid

import pytest

from apps.execution.models import ScheduledJob
from tests.execution.builders import build_workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def workflow(user):
    return build_workflow(
        owner=user,
        nodes={
            "cron": {
                "component_type": "trigger_schedule",
                "config": {"extra_config": {"interval_seconds": 60, "total_repeats": 2}},
            },
            "manual": {"component_type": "trigger_manual"},
        },
        edges=[],
    )


def create(api_client, workflow, **body):
    body = {"name": "hourly", "workflow_id": workflow.pk, "interval_seconds": 3600, **body}
    return api_client.post("/api/v1/schedules/", body, format="json")


def test_create_list_detail_patch_delete(api_client, workflow):
    response = create(api_client, workflow, trigger_payload={"k": 1})
    assert response.status_code == 201, response.content
    job = response.json()
    assert (
        job["status"] == "active" and job["trigger_node_id"] == "cron" and job["trigger_payload"] == {"k": 1}
    )
    listing = api_client.get("/api/v1/schedules/?status=active").json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == job["id"]
    assert api_client.get("/api/v1/schedules/?status=paused").json()["total"] == 0
    assert api_client.get(f"/api/v1/schedules/?workflow_id={workflow.pk + 1}").json()["total"] == 0
    assert api_client.get(f"/api/v1/schedules/{job['id']}/").json()["name"] == "hourly"
    patched = api_client.patch(f"/api/v1/schedules/{job['id']}/", {"interval_seconds": 1800}, format="json")
    assert patched.status_code == 200 and patched.json()["interval_seconds"] == 1800
    assert patched.json()["name"] == "hourly"
    assert api_client.delete(f"/api/v1/schedules/{job['id']}/").status_code == 204
    assert api_client.get(f"/api/v1/schedules/{job['id']}/").status_code == 404


def test_pause_resume_and_bad_transitions_are_400(api_client, workflow):
    job_id = create(api_client, workflow).json()["id"]
    paused = api_client.post(f"/api/v1/schedules/{job_id}/pause/")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    again = api_client.post(f"/api/v1/schedules/{job_id}/pause/")
    assert again.status_code == 400 and again.json()["detail"] == "Cannot pause job with status 'paused'."
    assert api_client.post(f"/api/v1/schedules/{job_id}/resume/").json()["status"] == "active"
    assert api_client.post(f"/api/v1/schedules/{job_id}/resume/").status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"interval_seconds": 0}, "interval_seconds"),
        ({"total_repeats": -1}, "total_repeats"),
        ({"trigger_node_id": "manual"}, "trigger_node_id"),
        ({"trigger_node_id": "nope"}, "trigger_node_id"),
        ({"cron": "61 * * * *"}, "cron"),
    ],
)
def test_invalid_schedules_are_422_with_the_field_and_nothing_is_written(api_client, workflow, body, field):
    response = create(api_client, workflow, **body)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert not ScheduledJob.objects.exists()


def test_unknown_or_foreign_workflow_is_404(api_client, workflow, admin_user):
    assert create(api_client, workflow, workflow_id=workflow.pk + 999).status_code == 404
    foreign = build_workflow(owner=admin_user, nodes={"c": {"component_type": "trigger_schedule"}}, edges=[])
    assert create(api_client, foreign).status_code == 404


def test_batch_delete_removes_only_the_callers_jobs(api_client, workflow):
    ids = [create(api_client, workflow).json()["id"] for _ in range(2)]
    response = api_client.post(
        "/api/v1/schedules/batch-delete/", {"schedule_ids": [*ids, str(uuid.uuid4())]}, format="json"
    )
    assert response.status_code == 204
    assert not ScheduledJob.objects.exists()


def test_node_actions_start_pause_stop(api_client, workflow):
    base = f"/api/v1/workflows/{workflow.slug}/nodes/cron/schedule"
    started = api_client.post(f"{base}/start/")
    assert started.status_code == 200, started.content
    body = started.json()
    assert body["node_id"] == "cron" and body["schedule_job"]["interval_seconds"] == 60
    assert body["schedule_job"]["total_repeats"] == 2
    assert api_client.post(f"{base}/pause/").json()["schedule_job"]["status"] == "paused"
    assert api_client.post(f"{base}/pause/").status_code == 400
    assert api_client.post(f"{base}/stop/").json()["schedule_job"]["status"] == "done"
    restarted = api_client.post(f"{base}/start/").json()["schedule_job"]
    assert restarted["status"] == "active" and ScheduledJob.objects.count() == 1


def test_node_action_on_a_non_schedule_node_is_400(api_client, workflow):
    response = api_client.post(f"/api/v1/workflows/{workflow.slug}/nodes/manual/schedule/start/")
    assert response.status_code == 400 and response.json()["detail"] == "Node is not a trigger_schedule."
