"""Agent invariants: own workflows only, no self-modification unless allowed, no role changes."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from apps.agents.models import Role, User
from apps.audit.context import acting_as
from apps.audit.models import AuditEntry
from apps.execution.models import ExecutionStatus, WorkflowExecution
from apps.workflows.models import Workflow
from tests.conftest import client_for
from tests.factories import AdminFactory, AgentUserFactory, UserFactory, WorkflowFactory, WorkflowNodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_api():
    return client_for(AgentUserFactory())


def running(workflow):
    trigger = WorkflowNodeFactory(workflow=workflow, node_id="t", component_type="trigger_manual")
    return WorkflowExecution.objects.create(
        workflow=workflow, trigger_node=trigger, trigger_node_key="t", status=ExecutionStatus.RUNNING
    )


def last_refusal():
    return AuditEntry.objects.filter(outcome="denied").order_by("-id").first()


def test_agent_edits_its_own_idle_workflow(agent_api):
    WorkflowFactory(owner=agent_api.user, slug="mine")
    response = agent_api.patch("/api/v1/workflows/mine/", {"description": "tuned"}, format="json")
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="workflow.update", actor_is_agent=True).exists()


def test_agent_cannot_modify_the_workflow_it_is_running_in(agent_api):
    workflow = WorkflowFactory(owner=agent_api.user, slug="self")
    running(workflow)
    response = agent_api.patch("/api/v1/workflows/self/", {"description": "rewrite myself"}, format="json")
    assert response.status_code == 403
    assert "self-modification" in response.json()["detail"]
    assert Workflow.objects.get(pk=workflow.pk).description == ""
    refusal = last_refusal()
    assert refusal.action == "workflow.update" and refusal.actor_id == agent_api.user.pk
    assert refusal.workflow_slug == "self" and "self-modification" in refusal.detail
    node = agent_api.post("/api/v1/workflows/self/nodes/", {"component_type": "code"}, format="json")
    assert node.status_code == 403 and not workflow.nodes.filter(component_type="code").exists()


def test_self_modification_allowed_when_the_workflow_says_so(agent_api):
    workflow = WorkflowFactory(owner=agent_api.user, slug="plastic", allow_self_modification=True)
    running(workflow)
    response = agent_api.patch("/api/v1/workflows/plastic/", {"description": "grown"}, format="json")
    assert response.status_code == 200


def test_agent_cannot_grant_itself_self_modification_or_touch_limits(agent_api):
    WorkflowFactory(owner=agent_api.user, slug="limits")
    for change in ({"allow_self_modification": True}, {"circuit_failure_threshold": 0}):
        response = agent_api.patch("/api/v1/workflows/limits/", change, format="json")
        assert response.status_code == 403, change
        assert "protection settings" in response.json()["detail"]
    assert Workflow.objects.get(slug="limits").allow_self_modification is False
    reset = agent_api.post("/api/v1/workflows/limits/circuit/reset/", format="json")
    assert reset.status_code == 403 and last_refusal().action == "workflow.circuit_reset"


def test_person_may_set_the_protection_fields():
    person = client_for(UserFactory())
    WorkflowFactory(owner=person.user, slug="p")
    body = {"allow_self_modification": True, "max_concurrent_executions": 2, "circuit_failure_threshold": 3}
    response = person.patch("/api/v1/workflows/p/", body, format="json")
    assert response.status_code == 200
    data = response.json()
    assert {k: data[k] for k in body} == body and data["circuit"]["failure_threshold"] == 3


def test_agent_tool_inside_a_run_is_held_to_the_same_rules():
    agent = AgentUserFactory()
    home = WorkflowFactory(owner=agent, slug="home")
    other_own = WorkflowFactory(owner=agent, slug="other-own")
    foreign = WorkflowFactory(owner=UserFactory(), slug="foreign")
    with acting_as(user=agent, key_name="agent", workflow=home):
        other_own.description = "fine"
        other_own.save()  # its own, not the one it runs in
        with pytest.raises(PermissionDenied, match="self-modification"):
            WorkflowNodeFactory(workflow=home, node_id="sneaky", component_type="code")
        with pytest.raises(PermissionDenied, match="neither owns it"):
            foreign.description = "hijack"
            foreign.save()
    assert not home.nodes.filter(node_id="sneaky").exists()
    denied = AuditEntry.objects.filter(outcome="denied").values_list("workflow_slug", flat=True)
    assert set(denied) == {"home", "foreign"}
    # the collaborator route opens it
    foreign.collaborators.add(agent)
    with acting_as(user=agent, workflow=home):
        foreign.description = "now allowed"
        foreign.save()


def test_agent_cannot_raise_its_own_role_or_create_people():
    agent = AgentUserFactory()
    with acting_as(user=agent), pytest.raises(PermissionDenied, match="roles"):
        agent.role = Role.ADMIN
        agent.save()
    assert User.objects.get(pk=agent.pk).role == Role.AGENT
    with acting_as(user=agent), pytest.raises(PermissionDenied, match="agent users"):
        User.objects.create(username="boss", role=Role.ADMIN)
    with acting_as(user=agent):
        User.objects.create(username="helper-bot", role=Role.AGENT)  # agents may make agents
    person = UserFactory()
    # Django deletes without a savepoint: like a request, give the refused delete its own transaction.
    with (
        acting_as(user=agent),
        pytest.raises(PermissionDenied, match="person's account"),
        transaction.atomic(),
    ):
        person.delete()
    assert User.objects.filter(pk=person.pk).exists()


def test_agent_cannot_reach_user_admin_endpoints(agent_api):
    response = agent_api.patch(f"/api/v1/users/{agent_api.user.pk}/", {"role": "admin"}, format="json")
    assert response.status_code == 403
    assert User.objects.get(pk=agent_api.user.pk).role == Role.AGENT


def test_last_admin_cannot_be_deleted_or_demoted():
    admin = AdminFactory()
    api = client_for(admin)
    response = api.delete(f"/api/v1/users/{admin.pk}/")
    assert response.status_code in (400, 409, 422) and "last admin" in response.json()["detail"]
    response = api.patch(f"/api/v1/users/{admin.pk}/", {"role": "normal"}, format="json")
    assert response.status_code in (400, 409, 422)
    assert User.objects.get(pk=admin.pk).role == Role.ADMIN


def test_agent_cannot_delete_the_audit_log():
    agent = AgentUserFactory()
    entry = AuditEntry.objects.create(action="x")
    with acting_as(user=agent), pytest.raises(Exception, match="cannot be deleted"):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
