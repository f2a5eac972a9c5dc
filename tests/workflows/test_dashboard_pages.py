"""The dashboard at `/` and its actions through Django's test client."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.execution.models import WorkflowExecution
from apps.workflows import services
from apps.workflows.models import Workflow, WorkflowEdge, WorkflowNode
from tests.factories import UserFactory, WorkflowEdgeFactory, WorkflowFactory, WorkflowNodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(user):
    client = Client()
    client.force_login(user)
    return client


def htmx(client, method, url, target=None, **data):
    headers = {"HX-Request": "true"}
    if target:
        headers["HX-Target"] = target
    return getattr(client, method)(url, data, headers=headers)


def test_pages_require_login():
    anon = Client()
    for method, url in [
        ("get", "/"),
        ("post", "/workflows/"),
        ("post", "/workflows/import/"),
        ("post", "/workflows/x/duplicate/"),
        ("post", "/workflows/x/delete/"),
    ]:
        UserFactory()  # setup is done: the login page, not first-run setup
        response = getattr(anon, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url


def test_dashboard_lists_only_the_users_workflows_with_counts_and_last_status(client, user):
    mine = WorkflowFactory(owner=user, name="Mine", tags=["ai"])
    WorkflowEdgeFactory(source=WorkflowNodeFactory(workflow=mine), target=WorkflowNodeFactory(workflow=mine))
    WorkflowExecution.objects.create(workflow=mine, status="failed")
    latest = WorkflowExecution.objects.create(workflow=mine, status="completed")
    WorkflowFactory(name="Someone else's")
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Mine" in body and "Someone else" not in body
    row = response.context["page"].object_list[0]
    assert (row.node_count, row.edge_count, row.last_execution_status) == (2, 1, "completed")
    assert f"/executions/{latest.execution_id}/" in body
    assert 'href="/workflows/' + mine.slug + '/"' in body


def test_search_and_tag_filter_return_the_table_partial(client, user):
    WorkflowFactory(owner=user, name="Support bot", tags=["chat", "ai"])
    WorkflowFactory(owner=user, name="Nightly report", tags=["cron"])
    WorkflowFactory(owner=user, name="Aim tracker", tags=["aim"])
    response = htmx(client, "get", "/", target="workflow-table", q="support")
    body = response.content.decode()
    assert "<html" not in body and "Support bot" in body and "Nightly" not in body
    names = {w.name for w in client.get("/", {"tag": "ai"}).context["page"].object_list}
    assert names == {"Support bot"}  # "ai" does not match "aim"
    assert client.get("/").context["tags"] == ["ai", "aim", "chat", "cron"]


def test_dashboard_paginates_fifty_per_page(client, user):
    Workflow.objects.bulk_create(Workflow(owner=user, name=f"W{i}", slug=f"w-{i}") for i in range(55))
    assert len(client.get("/").context["page"].object_list) == 50
    assert len(client.get("/", {"page": 2}).context["page"].object_list) == 5


def test_dashboard_query_count_does_not_grow_with_workflows(client, user):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    WorkflowFactory(owner=user)
    client.get("/")  # session and caches warm
    few = count()
    for i in range(50):
        workflow = WorkflowFactory(owner=user, tags=[f"t{i % 3}"])
        WorkflowNodeFactory(workflow=workflow)
        WorkflowExecution.objects.create(
            workflow=workflow, status="completed", total_cost_usd=Decimal("0.01")
        )
    assert count() == few


def test_charts_count_executions_by_day_and_status_and_sum_cost(client, user):
    workflow = WorkflowFactory(owner=user)
    old = WorkflowExecution.objects.create(workflow=workflow, status="completed", total_cost_usd=Decimal("9"))
    WorkflowExecution.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    for status, cost in [("completed", "0.25"), ("completed", "0.50"), ("failed", "0")]:
        WorkflowExecution.objects.create(workflow=workflow, status=status, total_cost_usd=Decimal(cost))
    WorkflowExecution.objects.create(workflow=WorkflowFactory(), status="failed", total_cost_usd=Decimal("5"))
    context = client.get("/").context
    runs, cost = context["runs_chart"], context["cost_chart"]
    assert len(runs.bars) == 30 and runs.total == 3
    today = runs.bars[-1]
    assert {s.status: s.value for s in today.segments} == {"completed": 2, "failed": 1}
    assert "2 completed" in today.title and "1 failed" in today.title
    assert cost.total == pytest.approx(0.75) and cost.total_label == "$0.7500"
    body = client.get("/").content.decode()
    assert 'aria-labelledby="runs-chart-title runs-chart-desc"' in body and "<desc" in body


def test_create_derives_the_slug_from_the_name(client, user):
    response = htmx(client, "post", "/workflows/", name="My Chat Bot", slug="", description="hi")
    assert response.status_code == 200 and response["HX-Redirect"] == "/"
    workflow = Workflow.objects.get(owner=user)
    assert (workflow.slug, workflow.description) == ("my-chat-bot", "hi")
    assert "My Chat Bot" in client.get("/").content.decode()  # the success message and the row


def test_create_shows_errors_next_to_the_field(client, user):
    WorkflowFactory(slug="taken")
    response = htmx(client, "post", "/workflows/", name="", slug="Not a slug!")
    body = response.content.decode()
    assert response.status_code == 200 and 'id="create-form"' in body
    assert 'id="id_name-error"' in body and 'id="id_slug-error"' in body
    body = htmx(client, "post", "/workflows/", name="X", slug="taken").content.decode()
    assert "already exists" in body and 'id="id_slug-error"' in body
    body = htmx(client, "post", "/workflows/", name="X", slug="import").content.decode()
    assert "reserved" in body
    assert not Workflow.objects.filter(owner=user).exists()
    assert client.post("/workflows/", {"name": ""}).status_code == 422  # without htmx: the full form page


def test_duplicate_copies_nodes_configs_and_edges_under_a_new_slug(client, user):
    source = WorkflowFactory(owner=user, name="Flow", slug="flow")
    a = WorkflowNodeFactory(workflow=source, node_id="code_a", config={"code": "return 1"})
    b = WorkflowNodeFactory(workflow=source, node_id="code_b")
    WorkflowEdgeFactory(source=a, target=b)
    response = htmx(client, "post", "/workflows/flow/duplicate/")
    assert response.status_code == 200 and response["HX-Redirect"] == "/"
    copy = Workflow.objects.alive().get(slug="flow-copy")
    assert copy.owner == user and copy.name == "Flow (copy)"
    nodes = {n.node_id: n for n in WorkflowNode.objects.filter(workflow=copy)}
    assert set(nodes) == {"code_a", "code_b"}
    assert nodes["code_a"].config.get_real_instance().code == "return 1"
    edge = WorkflowEdge.objects.get(workflow=copy)
    assert (edge.source.node_id, edge.target.node_id) == ("code_a", "code_b")
    assert WorkflowNode.objects.filter(workflow=source).count() == 2  # the source is untouched
    htmx(client, "post", "/workflows/flow/duplicate/")
    assert Workflow.objects.alive().filter(slug__startswith="flow-copy").count() == 2


def test_delete_soft_deletes_and_others_workflows_are_404(client, user):
    mine = WorkflowFactory(owner=user, slug="mine")
    other = WorkflowFactory(slug="theirs")
    assert client.post("/workflows/theirs/delete/").status_code == 404
    assert client.post("/workflows/theirs/duplicate/").status_code == 404
    assert client.get("/workflows/mine/delete/").status_code == 405
    response = client.post("/workflows/mine/delete/")
    assert response.status_code == 302 and response["Location"] == "/"
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.deleted_at is not None and other.deleted_at is None
    assert "mine" not in [w.slug for w in client.get("/").context["page"].object_list]


def test_public_workflow_of_another_user_can_be_duplicated_but_not_deleted(client, user):
    WorkflowFactory(slug="shared", is_public=True)
    assert client.post("/workflows/shared/delete/").status_code == 403
    assert client.post("/workflows/shared/duplicate/").status_code == 302
    assert Workflow.objects.alive().get(slug="shared-copy").owner == user


def _upload(document, name="flow.json"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, json.dumps(document).encode(), content_type="application/json")


def test_import_creates_the_workflow_and_tells_the_table_to_refresh(client, user):
    source = WorkflowFactory(owner=user, name="Exported", slug="exported")
    WorkflowEdgeFactory(
        source=WorkflowNodeFactory(workflow=source), target=WorkflowNodeFactory(workflow=source)
    )
    document = services.workflow_export(workflow=source)
    response = client.post("/workflows/import/", {"file": _upload(document)}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and response["HX-Trigger"] == "workflows-changed"
    imported = Workflow.objects.alive().exclude(pk=source.pk).get()
    assert imported.slug.startswith("exported-") and f"/workflows/{imported.slug}/" in body
    assert imported.nodes.count() == 2 and imported.edges.count() == 1


def test_import_reports_bad_files_and_writes_nothing(client, user):
    bad_json = client.post("/workflows/import/", {"file": _upload("x")}, headers={"HX-Request": "true"})
    assert "Not a Pipelit workflow export" in bad_json.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    garbage = SimpleUploadedFile("f.json", b"{not json", content_type="application/json")
    assert "Not a JSON file" in client.post("/workflows/import/", {"file": garbage}).content.decode()
    invalid = {
        "workflow": {"name": "Broken"},
        "nodes": [{"node_id": "n", "component_type": "nope"}],
        "edges": [],
    }
    response = client.post("/workflows/import/", {"file": _upload(invalid)})
    assert response.status_code == 422 and "Nothing was imported" in response.content.decode()
    assert "HX-Trigger" not in response
    assert not Workflow.objects.exists()


def test_import_route_wins_over_the_editor_page_route():
    from django.urls import resolve

    assert resolve("/workflows/import/").func.__name__ == "workflow_import"
    assert resolve("/workflows/some-flow/").url_name == "page"
