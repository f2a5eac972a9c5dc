"""Admin: the workflow changelist searches by name/slug/tag and filters; the change page shows the graph."""

import pytest
from django.test import Client

from tests.factories import WorkflowEdgeFactory, WorkflowFactory, WorkflowNodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_web(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_changelist_searches_name_slug_and_tag(admin_web):
    WorkflowFactory(name="Support bot", slug="support", tags=["helpdesk"])
    WorkflowFactory(name="Other", slug="other", tags=["misc"])
    for term, expected in [("Support", "support"), ("other", "other"), ("helpdesk", "support")]:
        response = admin_web.get("/admin/workflows/workflow/", {"q": term})
        assert response.status_code == 200
        rows = response.context["cl"].result_list
        assert [w.slug for w in rows] == [expected], term


def test_changelist_filters_by_owner_and_active(admin_web):
    active = WorkflowFactory(is_active=True)
    WorkflowFactory(is_active=False)
    rows = admin_web.get("/admin/workflows/workflow/", {"is_active__exact": "1"}).context["cl"].result_list
    assert [w.slug for w in rows] == [active.slug]
    rows = (
        admin_web.get("/admin/workflows/workflow/", {"owner__id__exact": active.owner_id})
        .context["cl"]
        .result_list
    )
    assert [w.slug for w in rows] == [active.slug]


def test_change_page_shows_nodes_and_edges_inline(admin_web):
    workflow = WorkflowFactory()
    WorkflowNodeFactory(workflow=workflow, node_id="inline_node")
    WorkflowEdgeFactory(source__workflow=workflow)
    response = admin_web.get(f"/admin/workflows/workflow/{workflow.pk}/change/")
    assert response.status_code == 200
    assert b"inline_node" in response.content
    assert b"edges-TOTAL_FORMS" in response.content
