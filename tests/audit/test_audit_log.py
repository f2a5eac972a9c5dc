"""The audit log: every door (REST, editor, admin, agent tool) leaves an entry; nobody edits them."""

import json

import pytest
from django.test import Client

from apps.audit.context import acting_as
from apps.audit.models import AuditEntry, AuditLogImmutable
from apps.audit.services import audit_record
from apps.workflows.models import Workflow
from tests.conftest import client_for
from tests.factories import AdminFactory, AgentUserFactory, UserFactory, WorkflowFactory

pytestmark = pytest.mark.django_db


def entries(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def test_rest_create_update_delete_are_recorded_with_actor_key_and_request_id(api_client):
    response = api_client.post("/api/v1/workflows/", {"name": "Flow", "slug": "flow"}, format="json")
    assert response.status_code == 201
    request_id = response["X-Request-ID"]
    created = entries(action="workflow.create")
    assert len(created) == 1
    entry = created[0]
    assert (entry.actor_id, entry.actor_username, entry.api_key_name) == (
        api_client.user.pk,
        api_client.user.username,
        "test",
    )
    assert entry.source == "rest" and entry.request_id == request_id and entry.outcome == "ok"
    assert entry.workflow_slug == "flow" and entry.after["name"] == "Flow" and entry.before is None

    api_client.patch("/api/v1/workflows/flow/", {"description": "new words"}, format="json")
    update = entries(action="workflow.update")[-1]
    assert update.before == {"description": ""}
    assert update.after == {"description": "new words"}  # only what changed, no updated_at noise

    assert api_client.delete("/api/v1/workflows/flow/").status_code == 204
    soft_delete = entries(action="workflow.update")[-1]
    assert list(soft_delete.after) == ["deleted_at"]


def test_node_and_edge_changes_name_their_workflow(api_client):
    WorkflowFactory(owner=api_client.user, slug="graph")
    for node in (
        {"node_id": "t", "component_type": "trigger_manual"},
        {"node_id": "c", "component_type": "code"},
    ):
        assert api_client.post("/api/v1/workflows/graph/nodes/", node, format="json").status_code == 201
    edge = api_client.post(
        "/api/v1/workflows/graph/edges/", {"source_node_id": "t", "target_node_id": "c"}, format="json"
    )
    assert edge.status_code == 201
    api_client.delete("/api/v1/workflows/graph/nodes/c/")
    actions = [e.action for e in entries(workflow_slug="graph")]
    assert actions.count("workflownode.create") == 2
    assert "workflowedge.create" in actions and "workflownode.delete" in actions
    assert any(a.endswith("config.create") for a in actions)  # the polymorphic config too


def test_secrets_never_reach_the_log(api_client):
    api_client.post("/api/v1/workflows/", {"name": "x"}, format="json")
    key_entry = entries(target_type="apikey")[0]  # the fixture's key creation
    assert key_entry.after["key_hash"] == "[redacted]"
    assert api_client.raw_key not in json.dumps([e.after for e in entries()])


def test_editor_mutation_is_recorded_with_the_session_user():
    owner = UserFactory()
    WorkflowFactory(owner=owner, slug="canvas")
    web = Client()
    web.force_login(owner)
    response = web.post(
        "/workflows/canvas/editor/nodes/",
        json.dumps({"component_type": "trigger_manual"}),
        content_type="application/json",
    )
    assert response.status_code in (200, 201), response.content[:300]
    entry = entries(action="workflownode.create")[-1]
    assert entry.source == "web" and entry.actor_id == owner.pk and entry.api_key_name == ""


def test_admin_change_is_recorded_and_the_audit_admin_is_read_only():
    admin = AdminFactory()
    workflow = WorkflowFactory(owner=admin, slug="adm")
    web = Client()
    web.force_login(admin)
    web.post("/admin/workflows/workflow/", {"action": "reset_circuit", "_selected_action": [workflow.pk]})
    web.get("/admin/")  # any request
    Workflow.objects.filter(pk=workflow.pk).update(consecutive_failures=3)
    web.post("/admin/workflows/workflow/", {"action": "reset_circuit", "_selected_action": [workflow.pk]})
    entry = entries(action="workflow.update", workflow_slug="adm")[-1]
    assert entry.source == "admin" and entry.actor_id == admin.pk
    assert entry.before == {"consecutive_failures": 3} and entry.after == {"consecutive_failures": 0}

    assert web.get("/admin/audit/auditentry/").status_code == 200
    assert web.get("/admin/audit/auditentry/add/").status_code == 403
    some = AuditEntry.objects.first()
    assert web.post(f"/admin/audit/auditentry/{some.pk}/delete/", {"post": "yes"}).status_code == 403
    assert web.post(f"/admin/audit/auditentry/{some.pk}/change/", {"action": "x"}).status_code == 403
    assert AuditEntry.objects.filter(pk=some.pk).exists()


def test_entries_cannot_be_changed_or_deleted_by_any_code_path():
    entry = audit_record(action="test.thing")
    entry.action = "rewritten"
    with pytest.raises(AuditLogImmutable):
        entry.save()
    with pytest.raises(AuditLogImmutable):
        entry.delete()
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(action="rewritten")
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.thing"


def test_acting_as_attributes_worker_side_changes():
    agent = AgentUserFactory()
    workflow = WorkflowFactory(owner=agent, slug="tool-made")
    with acting_as(user=agent, key_name="agent", request_id="run-42") as ctx:
        workflow.description = "changed by a tool"
        workflow.save()
    entry = entries(action="workflow.update")[-1]
    assert (entry.actor_id, entry.actor_is_agent, entry.api_key_name) == (agent.pk, True, "agent")
    assert entry.source == "agent" and entry.request_id == "run-42" == ctx.request_id


def test_changes_outside_any_context_are_attributed_to_the_system():
    WorkflowFactory(slug="sys")
    entry = entries(action="workflow.create", workflow_slug="sys")[0]
    assert entry.actor_id is None and entry.source == "system"


def test_mutation_of_no_audited_model_still_leaves_a_summary(api_client):
    from tests.execution.builders import code_chain

    workflow = code_chain(owner=api_client.user, count=1)
    response = api_client.post(f"/api/v1/workflows/{workflow.slug}/execute/", {}, format="json")
    assert response.status_code == 202
    entry = entries(action="http.post")[-1]
    assert entry.target_id == f"/api/v1/workflows/{workflow.slug}/execute/"
    assert entry.actor_id == api_client.user.pk and "202" in entry.detail


def test_request_id_from_the_caller_is_kept_when_sane(api_client):
    response = api_client.post(
        "/api/v1/workflows/", {"name": "rid"}, format="json", HTTP_X_REQUEST_ID="abc-123"
    )
    assert response["X-Request-ID"] == "abc-123"
    assert entries(action="workflow.create")[-1].request_id == "abc-123"
    response = api_client.post(
        "/api/v1/workflows/", {"name": "rid2"}, format="json", HTTP_X_REQUEST_ID="bad id\nwith junk"
    )
    assert response["X-Request-ID"] != "bad id\nwith junk" and len(response["X-Request-ID"]) == 32


# --- GET /api/v1/audit/ --------------------------------------------------------------------------


def test_audit_api_is_for_admins_with_envelope_and_filters():
    admin_api = client_for(AdminFactory())
    person = client_for(UserFactory())
    person.post("/api/v1/workflows/", {"name": "One", "slug": "one"}, format="json")
    person.post("/api/v1/workflows/", {"name": "Two", "slug": "two"}, format="json")

    body = admin_api.get("/api/v1/audit/").json()
    assert set(body) == {"items", "total"} and body["total"] == AuditEntry.objects.count()
    assert body["items"][0]["id"] > body["items"][-1]["id"]  # newest first

    only = admin_api.get("/api/v1/audit/", {"workflow": "two", "action": "workflow.create"}).json()
    assert only["total"] == 1 and only["items"][0]["target"]["repr"] == "two"
    mine = admin_api.get("/api/v1/audit/", {"actor": person.user.username, "action_prefix": "workflow."})
    assert mine.json()["total"] == 2
    page = admin_api.get("/api/v1/audit/", {"limit": 1, "offset": 1}).json()
    assert len(page["items"]) == 1
    assert admin_api.get("/api/v1/audit/", {"since": "yesterday"}).status_code == 422

    assert person.get("/api/v1/audit/").status_code == 403
    assert Client().get("/api/v1/audit/").status_code == 401
    for method in ("post", "put", "patch", "delete"):
        assert getattr(admin_api, method)("/api/v1/audit/").status_code == 405


def test_an_agent_reading_the_log_is_refused_and_that_is_recorded():
    agent_api = client_for(AgentUserFactory())
    response = agent_api.get("/api/v1/audit/")
    assert response.status_code == 403 and response.json()["detail"]
    refusal = entries(action="audit.read")[-1]
    assert refusal.outcome == "denied" and refusal.actor_id == agent_api.user.pk and refusal.actor_is_agent
