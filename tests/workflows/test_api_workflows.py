"""REST: workflow list/create/detail/patch/delete/batch-delete, access rules and slug changes."""

import pytest

from apps.workflows.models import Workflow
from tests.conftest import client_for
from tests.factories import UserFactory, WorkflowEdgeFactory, WorkflowFactory, WorkflowNodeFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/workflows/"


def test_create_returns_the_reference_shape(api_client):
    response = api_client.post(
        URL, {"name": "My Chatbot", "slug": "my-chatbot", "tags": ["support"]}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "my-chatbot"
    assert body["tags"] == ["support"]
    assert body["is_active"] is True and body["is_public"] is False and body["is_default"] is False
    assert body["node_count"] == 0 and body["edge_count"] == 0
    assert body["error_handler_workflow_id"] is None and body["input_schema"] is None
    assert "T" in body["created_at"]


def test_create_without_slug_derives_one_from_the_name(api_client):
    response = api_client.post(URL, {"name": "Hello World"}, format="json")
    assert response.status_code == 201
    assert response.json()["slug"] == "hello-world"


def test_duplicate_slug_is_409(api_client):
    WorkflowFactory(slug="taken")
    response = api_client.post(URL, {"name": "x", "slug": "taken"}, format="json")
    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]


def test_reserved_or_invalid_slug_is_422(api_client):
    assert api_client.post(URL, {"name": "x", "slug": "node-types"}, format="json").status_code == 422
    response = api_client.post(URL, {"name": "x", "slug": "has spaces"}, format="json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "slug"]


def test_missing_name_is_422(api_client):
    response = api_client.post(URL, {"slug": "abc"}, format="json")
    assert response.status_code == 422


def test_list_is_an_envelope_of_owned_and_collaborated_workflows(api_client, user):
    mine = WorkflowFactory(owner=user)
    WorkflowNodeFactory(workflow=mine)
    shared = WorkflowFactory()
    shared.collaborators.add(user)
    WorkflowFactory()  # someone else's
    WorkflowFactory(is_public=True)  # public, but not listed
    response = api_client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2
    assert {item["slug"] for item in body["items"]} == {mine.slug, shared.slug}
    assert next(i for i in body["items"] if i["slug"] == mine.slug)["node_count"] == 1


def test_list_paginates_with_limit_and_offset(api_client, user):
    for _ in range(5):
        WorkflowFactory(owner=user)
    body = api_client.get(URL, {"limit": 2, "offset": 4}).json()
    assert body["total"] == 5 and len(body["items"]) == 1


def test_detail_includes_nodes_and_edges(api_client, user):
    workflow = WorkflowFactory(owner=user)
    edge = WorkflowEdgeFactory(source__workflow=workflow)
    body = api_client.get(f"{URL}{workflow.slug}/").json()
    assert body["node_count"] == 2 and body["edge_count"] == 1
    assert [e["source_node_id"] for e in body["edges"]] == [edge.source.node_id]
    assert all("config" in node for node in body["nodes"])


def test_unknown_slug_is_404(api_client):
    response = api_client.get(f"{URL}nope/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Workflow not found."}


def test_someone_elses_private_workflow_is_404_for_every_method(api_client):
    other = WorkflowFactory()
    base = f"{URL}{other.slug}/"
    assert api_client.get(base).status_code == 404
    assert api_client.patch(base, {"name": "x"}, format="json").status_code == 404
    assert api_client.delete(base).status_code == 404
    assert api_client.get(f"{base}nodes/").status_code == 404
    assert api_client.post(f"{base}edges/", {}, format="json").status_code == 404


def test_public_workflow_is_readable_but_not_writable(api_client):
    public = WorkflowFactory(is_public=True)
    assert api_client.get(f"{URL}{public.slug}/").status_code == 200
    assert api_client.patch(f"{URL}{public.slug}/", {"name": "x"}, format="json").status_code == 403
    response = api_client.post(f"{URL}{public.slug}/nodes/", {"component_type": "code"}, format="json")
    assert response.status_code == 403


def test_collaborator_can_edit(user):
    workflow = WorkflowFactory()
    workflow.collaborators.add(user)
    client = client_for(user)
    response = client.patch(f"{URL}{workflow.slug}/", {"description": "shared"}, format="json")
    assert response.status_code == 200
    assert response.json()["description"] == "shared"


def test_patch_changes_only_given_fields(api_client, user):
    workflow = WorkflowFactory(owner=user, description="old", tags=["a"])
    response = api_client.patch(f"{URL}{workflow.slug}/", {"description": "new"}, format="json")
    assert response.status_code == 200
    workflow.refresh_from_db()
    assert workflow.description == "new" and workflow.tags == ["a"]


def test_slug_change_moves_the_urls(api_client, user):
    workflow = WorkflowFactory(owner=user, slug="before")
    WorkflowNodeFactory(workflow=workflow, node_id="n1")
    response = api_client.patch(f"{URL}before/", {"slug": "after"}, format="json")
    assert response.status_code == 200 and response.json()["slug"] == "after"
    assert api_client.get(f"{URL}after/").status_code == 200
    assert api_client.get(f"{URL}after/nodes/n1/").status_code == 200
    assert api_client.get(f"{URL}before/").status_code == 404


def test_slug_change_to_a_taken_slug_is_409(api_client, user):
    WorkflowFactory(slug="other")
    workflow = WorkflowFactory(owner=user)
    response = api_client.patch(f"{URL}{workflow.slug}/", {"slug": "other"}, format="json")
    assert response.status_code == 409


def test_error_handler_must_be_an_accessible_workflow(api_client, user):
    workflow = WorkflowFactory(owner=user)
    handler = WorkflowFactory(owner=user)
    foreign = WorkflowFactory()
    url = f"{URL}{workflow.slug}/"
    assert api_client.patch(url, {"error_handler_workflow_id": foreign.pk}, format="json").status_code == 422
    response = api_client.patch(url, {"error_handler_workflow_id": handler.pk}, format="json")
    assert response.json()["error_handler_workflow_id"] == handler.pk


def test_delete_is_soft_and_frees_the_slug(api_client, user):
    workflow = WorkflowFactory(owner=user, slug="gone")
    assert api_client.delete(f"{URL}gone/").status_code == 204
    assert Workflow.objects.filter(pk=workflow.pk, deleted_at__isnull=False).exists()
    assert api_client.get(f"{URL}gone/").status_code == 404
    assert api_client.get(URL).json()["total"] == 0
    assert api_client.post(URL, {"name": "again", "slug": "gone"}, format="json").status_code == 201


def test_batch_delete_deletes_all_given(api_client, user):
    a, b, keep = (WorkflowFactory(owner=user) for _ in range(3))
    response = api_client.post(f"{URL}batch-delete/", {"slugs": [a.slug, b.slug]}, format="json")
    assert response.status_code == 204
    assert list(Workflow.objects.alive().values_list("slug", flat=True)) == [keep.slug]


def test_batch_delete_with_a_foreign_slug_deletes_nothing(api_client, user):
    mine = WorkflowFactory(owner=user)
    foreign = WorkflowFactory()
    response = api_client.post(f"{URL}batch-delete/", {"slugs": [mine.slug, foreign.slug]}, format="json")
    assert response.status_code == 404
    assert foreign.slug in response.json()["detail"]
    assert Workflow.objects.alive().count() == 2


def test_batch_delete_requires_slugs(api_client):
    assert api_client.post(f"{URL}batch-delete/", {}, format="json").status_code == 422


def test_a_workflow_slugged_like_a_fixed_route_cannot_exist(api_client, user):
    # `batch-delete/` and `node-types/` must win over `<slug>/`.
    assert api_client.get(f"{URL}node-types/").status_code == 200
    assert api_client.post(URL, {"name": "x", "slug": "batch-delete"}, format="json").status_code == 422


def test_other_users_do_not_see_each_others_lists():
    alice, bob = UserFactory(), UserFactory()
    WorkflowFactory(owner=alice)
    assert client_for(bob).get(URL).json() == {"items": [], "total": 0}
