"""Memories and Epics pages in Chromium: navigation, search, filters, batch delete, live epic updates."""

from playwright.sync_api import expect

from apps.agents import services
from apps.agents.models import MemoryFact
from tests.factories import UserFactory
from tests.web.pages_helpers import sign_in


def test_memories_search_tabs_and_batch_delete(page, asgi_server, transactional_db):
    UserFactory(username="mem")
    services.memory_fact_remember(key="user_name", value="Alice")
    services.memory_fact_remember(key="timezone", value="Europe/Paris")
    services.memory_fact_remember(key="city", value="Paris")
    sign_in(page, asgi_server.url, "mem")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Memories").click()
    expect(page.get_by_role("heading", name="Memories")).to_be_visible()
    rows = page.get_by_test_id("memory-row")
    expect(rows).to_have_count(3)
    page.get_by_label("Search facts").fill("paris")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(f"{asgi_server.url}/memories/?tab=facts&q=paris")

    page.get_by_label("Select fact city").check()
    page.get_by_role("button", name="Delete selected (1)").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_test_id("bulk-result")).to_have_text("Deleted 1 facts.")
    expect(rows).to_have_count(1)
    assert sorted(MemoryFact.objects.values_list("key", flat=True)) == ["timezone", "user_name"]

    page.get_by_role("link", name="Episodes").click()
    expect(page.get_by_role("link", name="Episodes")).to_have_attribute("aria-current", "page")
    expect(page.get_by_text("No episodes yet.")).to_be_visible()


def test_epic_list_filters_and_the_detail_updates_live(page, asgi_server, transactional_db):
    user = UserFactory(username="epi")
    epic = services.epic_create(user=user, title="Write the docs", description="All of them", budget_usd=2)
    services.epic_update(epic=epic, changes={"status": "active"})
    task = services.task_create(epic=epic, title="Editor page", description="Screenshots too")
    services.epic_create(user=user, title="Someday")
    sign_in(page, asgi_server.url, "epi")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Epics").click()
    rows = page.get_by_test_id("epic-row")
    expect(rows).to_have_count(2)
    page.get_by_label("Status").select_option("active")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("0/1 tasks")

    rows.first.get_by_role("link", name="Write the docs").click()
    expect(page.get_by_role("heading", name="Write the docs")).to_be_visible()
    expect(page.get_by_test_id("task-status")).to_have_text("pending")
    page.get_by_text("Editor page").click()  # the expandable task details
    expect(page.get_by_text("Screenshots too")).to_be_visible()
    expect(page.locator("[data-live-epic]")).to_have_attribute("data-socket", "live")

    services.task_update(task=task, changes={"status": "running"})
    expect(page.get_by_test_id("task-status")).to_have_text("running", timeout=15_000)
    services.task_update(task=task, changes={"status": "completed", "result_summary": "Done well"})
    expect(page.get_by_test_id("task-status")).to_have_text("completed", timeout=15_000)
    expect(page.get_by_label("Summary")).to_contain_text("1/1 tasks")
