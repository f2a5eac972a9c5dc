"""The editor's circuit-breaker banner: shown while the circuit is open, reset by a person who may write."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from apps.audit.models import AuditEntry
from apps.execution.fragments import render_event
from apps.workflows.models import Workflow
from apps.workflows.serializers import serialize_workflow
from tests.factories import AgentUserFactory, UserFactory, WorkflowFactory

pytestmark = pytest.mark.django_db

OPENED = datetime(2026, 11, 26, 3, 15, 0, tzinfo=UTC)
URL = "/workflows/tripped/editor/circuit/reset/"


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def workflow(owner):
    return WorkflowFactory(
        owner=owner,
        slug="tripped",
        circuit_opened_at=OPENED,
        consecutive_failures=5,
        circuit_failure_threshold=5,
    )


def web_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_editor_shows_the_banner_with_failures_and_time(owner, workflow):
    html = web_for(owner).get("/workflows/tripped/").content.decode()
    assert 'id="circuit-banner"' in html and "Circuit open" in html
    assert "5 consecutive failed runs" in html and "(threshold 5)" in html
    assert 'datetime="2026-11-26T03:15:00+00:00"' in html
    assert f'hx-post="{URL}"' in html


def test_a_closed_circuit_leaves_only_the_empty_hidden_placeholder(owner):
    WorkflowFactory(owner=owner, slug="fine")
    html = web_for(owner).get("/workflows/fine/").content.decode()
    assert '<div id="circuit-banner" class="circuit-banner" hidden></div>' in html
    assert "Circuit open" not in html


def test_reset_closes_the_circuit_answers_the_empty_banner_and_is_audited(owner, workflow):
    response = web_for(owner).post(URL, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="circuit-banner"' in body and "hidden" in body and "Circuit open" not in body
    workflow.refresh_from_db()
    assert workflow.circuit_opened_at is None and workflow.consecutive_failures == 0
    entry = AuditEntry.objects.filter(action="workflow.update", workflow_slug="tripped").latest("id")
    assert entry.actor_id == owner.pk and entry.source == "web"
    assert entry.after == {"circuit_opened_at": None, "consecutive_failures": 0}


def test_a_collaborator_may_reset(workflow):
    collaborator = UserFactory()
    workflow.collaborators.add(collaborator)
    assert web_for(collaborator).post(URL).status_code == 200
    assert Workflow.objects.get(pk=workflow.pk).circuit_opened_at is None


def test_without_access_it_is_404_and_read_only_access_is_403(workflow):
    assert web_for(UserFactory()).post(URL).status_code == 404
    Workflow.objects.filter(pk=workflow.pk).update(is_public=True)
    assert web_for(UserFactory()).post(URL).status_code == 403
    assert Workflow.objects.get(pk=workflow.pk).circuit_opened_at == OPENED


def test_an_agent_collaborator_is_refused(workflow):
    agent = AgentUserFactory()
    workflow.collaborators.add(agent)
    assert web_for(agent).post(URL).status_code == 403
    assert Workflow.objects.get(pk=workflow.pk).circuit_opened_at == OPENED
    assert AuditEntry.objects.filter(action="workflow.circuit_reset", outcome="denied").count() == 1


def test_reset_needs_post_and_login(workflow):
    assert web_for(workflow.owner).get(URL).status_code == 405
    response = Client().post(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_workflow_updated_renders_the_banner_out_of_band(workflow):
    opened = render_event({"type": "workflow_updated", "data": serialize_workflow(workflow)})
    assert '<div id="circuit-banner" class="circuit-banner" hx-swap-oob="true">' in opened
    assert "5 consecutive failed runs" in opened
    workflow.circuit_opened_at, workflow.consecutive_failures = None, 0
    closed = render_event({"type": "workflow_updated", "data": serialize_workflow(workflow)})
    assert '<div id="circuit-banner" class="circuit-banner" hx-swap-oob="true" hidden></div>' in closed
    # An event without the circuit (foreign or partial payload) leaves the banner as it is.
    assert "circuit-banner" not in render_event({"type": "workflow_updated", "data": {"slug": "x"}})
