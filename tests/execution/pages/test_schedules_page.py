"""`/schedules/`: the user's schedules with counters and next run; pause and resume through the services."""

import pytest
from django.test import Client

from apps.execution.models import ScheduledJob
from apps.execution.services.schedules import schedule_create
from apps.workflows.selectors import node_first_of_type
from tests.execution.builders import build_workflow
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def make_job(owner, name="nightly"):
    workflow = build_workflow(
        owner=owner,
        nodes={
            "tick": {"component_type": "trigger_schedule"},
            "work": {"component_type": "code", "config": {"code": "result = 1"}},
        },
        edges=[("tick", "work")],
    )
    node = node_first_of_type(workflow=workflow, component_type="trigger_schedule")
    return schedule_create(
        workflow=workflow, trigger_node=node, name=name, interval_seconds=60, user=owner, total_repeats=5
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_login_required():
    UserFactory()  # with no user at all every page sends to first-run setup instead
    response = Client().get("/schedules/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_lists_only_my_schedules_with_counters_and_next_run():
    me, other = UserFactory(), UserFactory()
    mine = make_job(me, "mine-hourly")
    make_job(other, "someone-elses")
    page = logged_in(me).get("/schedules/").content.decode()
    assert "mine-hourly" in page and "someone-elses" not in page
    assert "60 s" in page and "0 / 5" in page
    assert f'id="schedule-{mine.pk}"' in page and "Pause" in page


def test_pause_then_resume_keeps_the_counters():
    me = UserFactory()
    job = make_job(me)
    ScheduledJob.objects.filter(pk=job.pk).update(run_count=2)
    client = logged_in(me)
    response = client.post(f"/schedules/{job.pk}/pause/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "paused" and job.run_count == 2 and job.next_run_at is None
    page = client.get("/schedules/").content.decode()
    assert "paused." in page and "Resume" in page
    client.post(f"/schedules/{job.pk}/resume/")
    job.refresh_from_db()
    assert job.status == "active" and job.run_count == 2 and job.next_run_at is not None


def test_illegal_transition_is_reported_and_others_jobs_are_404():
    me = UserFactory()
    job = make_job(me)
    client = logged_in(me)
    client.post(f"/schedules/{job.pk}/resume/")  # already active
    assert "Cannot resume" in client.get("/schedules/").content.decode()
    stranger = logged_in(UserFactory())
    assert stranger.post(f"/schedules/{job.pk}/pause/").status_code == 404
    job.refresh_from_db()
    assert job.status == "active"
