"""The dashboard in Chromium: create (slug derived), list, search, duplicate, delete with confirmation, import."""

import json
import re
from decimal import Decimal

from playwright.sync_api import expect

from apps.execution.models import WorkflowExecution
from apps.workflows.models import Workflow
from tests.factories import UserFactory, WorkflowFactory
from tests.web.pages_helpers import sign_in


def row(page, slug):
    return page.locator(f'[data-testid="workflow-row"][data-slug="{slug}"]')


def test_create_duplicate_and_delete_a_workflow(page, asgi_server, transactional_db):
    user = UserFactory(username="wren")
    sign_in(page, asgi_server.url, "wren")
    expect(page.get_by_role("img", name="Executions per day, last 30 days, by status")).to_be_visible()

    page.get_by_role("button", name="New workflow").click()
    page.get_by_label("Name").fill("Support Bot")
    expect(page.get_by_label("Slug")).to_have_value("support-bot")
    page.get_by_role("button", name="Create workflow").click()
    expect(row(page, "support-bot")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Workflow “Support Bot” created.")).to_be_visible()
    expect(row(page, "support-bot").get_by_role("link", name="Support Bot")).to_have_attribute(
        "href", "/workflows/support-bot/"
    )

    page.get_by_role("button", name="Duplicate Support Bot").click()
    expect(row(page, "support-bot-copy")).to_be_visible()
    assert Workflow.objects.alive().get(slug="support-bot-copy").owner == user

    page.get_by_role("button", name="Delete Support Bot (copy)").click()
    dialog = page.get_by_role("dialog", name="Please confirm")
    expect(dialog).to_contain_text("Support Bot (copy)")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(row(page, "support-bot-copy")).to_be_visible()
    page.get_by_role("button", name="Delete Support Bot (copy)").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(row(page, "support-bot-copy")).to_have_count(0)
    expect(row(page, "support-bot")).to_be_visible()
    assert Workflow.objects.get(slug="support-bot-copy").deleted_at is not None


def test_create_form_shows_a_taken_slug_next_to_the_field(page, asgi_server, transactional_db):
    UserFactory(username="ivy")
    WorkflowFactory(slug="taken")
    sign_in(page, asgi_server.url, "ivy")
    page.get_by_role("button", name="New workflow").click()
    page.get_by_label("Name").fill("Whatever")
    page.get_by_label("Slug").fill("taken")
    page.get_by_role("button", name="Create workflow").click()
    expect(page.locator("#id_slug-error")).to_contain_text("already exists")
    expect(page.get_by_role("dialog", name="New workflow")).to_be_visible()


def test_search_as_you_type_narrows_the_table(page, asgi_server, transactional_db):
    user = UserFactory(username="jay")
    support = WorkflowFactory(owner=user, name="Support bot", slug="support")
    WorkflowFactory(owner=user, name="Nightly report", slug="nightly")
    for status, cost in [("completed", "0.02"), ("completed", "0.01"), ("failed", "0")]:
        WorkflowExecution.objects.create(workflow=support, status=status, total_cost_usd=Decimal(cost))
    sign_in(page, asgi_server.url, "jay")
    today = page.locator("#runs-chart .chart-bar").last
    expect(today.locator("title")).to_have_text(re.compile(r": 2 completed, 1 failed$"))
    expect(today.locator("rect.seg--failed")).to_have_count(1)
    expect(page.get_by_text("$0.0300 in the last 30 days", exact=True)).to_be_visible()
    expect(row(page, "support").get_by_role("link", name="failed")).to_be_visible()
    page.get_by_label("Search").fill("night")
    expect(row(page, "support")).to_have_count(0)
    expect(row(page, "nightly")).to_be_visible()
    expect(page).to_have_url(f"{asgi_server.url}/?q=night&tag=")


def test_import_an_exported_file_shows_the_result_and_lists_it(page, asgi_server, transactional_db, tmp_path):
    UserFactory(username="kim")
    document = {
        "format": "pipelit.workflow",
        "version": 1,
        "workflow": {"name": "Imported flow", "slug": "imported-flow"},
        "nodes": [{"node_id": "code_1", "component_type": "code", "config": {}}],
        "edges": [],
    }
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(document))
    sign_in(page, asgi_server.url, "kim")
    page.get_by_role("button", name="Import…").click()
    page.get_by_label("Workflow export (JSON)").set_input_files(str(path))
    page.get_by_role("dialog", name="Import a workflow").get_by_role("button", name="Import").click()
    expect(page.locator("#import-result")).to_contain_text("Imported Imported flow as imported-flow")
    page.get_by_role("button", name="Close").click()
    expect(row(page, "imported-flow")).to_be_visible()
    expect(row(page, "imported-flow").locator("td.num").first).to_have_text("1")
