"""An operator signs in to the Django admin, filters epics by status and reads an epic's tasks inline."""

from decimal import Decimal

from django.contrib.admin.utils import quote
from playwright.sync_api import expect

from apps.agents import services
from tests.factories import AdminFactory, EpicFactory, WorkflowExecutionFactory
from tests.web.conftest import SCREENSHOT_DIR


def test_operator_filters_epics_by_status_and_sees_tasks_inline(page, asgi_server, transactional_db):
    operator = AdminFactory(username="operator")
    active = EpicFactory(user=operator, title="Migrate billing", status="active", budget_tokens=5000)
    EpicFactory(user=operator, title="Write launch post", status="planning")
    schema = services.task_create(epic=active, title="Design schema")
    services.task_create(epic=active, title="Backfill invoices", depends_on=[schema.pk])
    services.task_update(task=schema, changes={"status": "running"})
    execution = WorkflowExecutionFactory(total_tokens=1200, total_cost_usd=Decimal("0.03"))
    services.task_record_execution_cost(task=schema, execution=execution)
    services.task_update(task=schema, changes={"status": "completed"})

    page.goto(f"{asgi_server.url}/admin/")
    page.get_by_label("Username").fill(operator.username)
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Epics").first.click()
    expect(page.get_by_role("link", name="Migrate billing")).to_be_visible()
    expect(page.get_by_text("Write launch post")).to_be_visible()

    page.locator("#changelist-filter").get_by_role("link", name="Active").first.click()
    expect(page).to_have_url(f"{asgi_server.url}/admin/agents/epic/?status__exact=active")
    expect(page.get_by_text("Write launch post")).to_have_count(0)
    row = page.locator("#result_list tbody tr", has_text="Migrate billing")
    expect(row).to_contain_text("1/2")
    expect(row).to_contain_text("1,200 / 5,000")
    expect(row).to_contain_text(active.pk)
    page.screenshot(path=str(SCREENSHOT_DIR / "epic_admin_filtered.png"), full_page=True)

    page.get_by_role("link", name="Migrate billing").click()
    expect(page.get_by_role("heading", name=f"{active.pk} Migrate billing")).to_be_visible()
    inline = page.locator("#tasks-group")
    expect(inline).to_contain_text("Design schema")
    expect(inline).to_contain_text("Backfill invoices")
    expect(inline.get_by_role("link", name=schema.pk)).to_have_attribute(
        "href", f"/admin/agents/task/{quote(schema.pk)}/change/"
    )
    page.screenshot(path=str(SCREENSHOT_DIR / "epic_admin_change.png"), full_page=True)
