"""Operators' admin for the registry: columns, filters, search, inline tasks, links and status actions."""

import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.test import Client

from apps.agents import services
from apps.agents.models import Epic, Task
from apps.execution.models import WorkflowExecution
from tests.factories import EpicFactory, UserFactory, WorkflowExecutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def epic():
    epic = EpicFactory(
        title="Launch rocket", status="active", tags=["space"], budget_tokens=1000, budget_usd=Decimal("2")
    )
    first = services.task_create(epic=epic, title="Build engine")
    services.task_create(epic=epic, title="Fuel up", depends_on=[first.pk])
    services.task_update(task=first, changes={"status": "running"})
    execution = WorkflowExecutionFactory(total_tokens=400, total_cost_usd=Decimal("0.5"))
    services.task_record_execution_cost(task=first, execution=execution)
    services.task_update(task=first, changes={"status": "completed"})
    epic.refresh_from_db()
    return epic


def test_epic_list_shows_status_progress_and_spend_against_budget(staff, epic):
    body = staff.get("/admin/agents/epic/").content.decode()
    assert "Launch rocket" in body and "status-active" in body
    assert 'title="1 of 2 tasks completed"' in body and "width:50%" in body
    assert "400 / 1,000" in body and "$0.50 / $2.00" in body


def test_epic_list_filters_by_status_priority_and_owner_and_searches_id_title_tags(staff, epic):
    other = EpicFactory(title="Paint fence", status="planning", user=UserFactory(username="painter"))

    def titles(query):
        body = staff.get(f"/admin/agents/epic/?{query}").content.decode()
        return {title for title in ("Launch rocket", "Paint fence") if title in body}

    assert titles("status__exact=active") == {"Launch rocket"}
    assert titles("status__exact=planning") == {"Paint fence"}
    assert titles(f"user__id__exact={other.user_id}") == {"Paint fence"}
    assert titles("priority__exact=2") == {"Launch rocket", "Paint fence"}
    assert titles("q=space") == {"Launch rocket"}
    assert titles(f"q={other.pk}") == {"Paint fence"}
    assert titles("q=fence") == {"Paint fence"}


def test_epic_page_shows_tasks_inline_with_dependency_links(staff, epic):
    first, second = Task.objects.filter(epic=epic).order_by("id")
    body = staff.get(f"/admin/agents/epic/{quote(epic.pk)}/change/").content.decode()
    assert "Build engine" in body and "Fuel up" in body
    assert f'href="/admin/agents/task/{quote(first.pk)}/change/"' in body
    # Spend and counters are shown, not editable.
    assert 'name="spent_tokens"' not in body and 'name="status"' not in body


def test_task_list_links_dependencies_and_shows_the_execution_id_without_an_execution_admin(staff, epic):
    first, second = Task.objects.filter(epic=epic).order_by("id")
    body = staff.get("/admin/agents/task/").content.decode()
    assert f'<a href="/admin/agents/task/{quote(first.pk)}/change/">{first.pk}</a>' in body
    assert f'<td class="field-execution_ref">{first.execution.execution_id}</td>' in body
    assert not admin.site.is_registered(WorkflowExecution)
    assert "/admin/execution/workflowexecution/" not in body


def test_execution_links_point_at_the_execution_admin_when_it_exists(staff, epic, settings):
    import sys

    from django.urls import clear_url_caches

    module = "tests.agents.registry.execution_admin_urls"
    admin.site.register(WorkflowExecution)
    try:
        sys.modules.pop(module, None)
        settings.ROOT_URLCONF = module
        clear_url_caches()
        task = epic.tasks.order_by("id").first()
        body = staff.get(f"/admin/agents/task/{quote(task.pk)}/change/").content.decode()
        link = f'<a href="/admin/execution/workflowexecution/{task.execution_id}/change/">'
        assert f"{link}{task.execution.execution_id}</a>" in body
    finally:
        admin.site.unregister(WorkflowExecution)
        sys.modules.pop(module, None)
        clear_url_caches()


def test_cost_fields_are_read_only_on_the_task_page(staff, epic):
    task = epic.tasks.order_by("id").first()
    body = staff.get(f"/admin/agents/task/{quote(task.pk)}/change/").content.decode()
    for field in ("actual_tokens", "actual_usd", "llm_calls", "status"):
        assert f'name="{field}"' not in body, field
    assert "400" in body


def test_cancel_and_pause_actions_go_through_the_lifecycle_and_report_refusals(staff, epic):
    planning = EpicFactory(title="Plan", status="planning")
    response = staff.post(
        "/admin/agents/epic/",
        {"action": "pause_epics", "_selected_action": [epic.pk, planning.pk]},
        follow=True,
    )
    body = response.content.decode()
    assert "1 epic(s) now paused" in body
    assert re.search(r"Cannot move epic ep_\w+ from &#x27;planning&#x27; to &#x27;paused&#x27;", body)
    assert Epic.objects.get(pk=epic.pk).status == "paused"
    assert Epic.objects.get(pk=planning.pk).status == "planning"
    staff.post("/admin/agents/epic/", {"action": "cancel_epics", "_selected_action": [epic.pk]}, follow=True)
    assert Epic.objects.get(pk=epic.pk).status == "cancelled"
    assert set(epic.tasks.values_list("status", flat=True)) == {"completed", "cancelled"}


def test_editing_an_epic_in_the_admin_saves_through_the_service(
    staff, epic, django_capture_on_commit_callbacks
):
    page = staff.get(f"/admin/agents/epic/{quote(epic.pk)}/change/")
    assert page.status_code == 200
    data = {
        "title": "Launch rocket v2",
        "description": "",
        "tags": '["space"]',
        "priority": "1",
        "workflow": "",
        "budget_tokens": "2000",
        "budget_usd": "2",
        "result_summary": "",
        "tasks-TOTAL_FORMS": "2",
        "tasks-INITIAL_FORMS": "2",
        "tasks-MIN_NUM_FORMS": "0",
        "tasks-MAX_NUM_FORMS": "1000",
    }
    for index, task in enumerate(epic.tasks.order_by("id")):
        data[f"tasks-{index}-id"] = task.pk
        data[f"tasks-{index}-epic"] = epic.pk
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff.post(f"/admin/agents/epic/{quote(epic.pk)}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    epic.refresh_from_db()
    assert epic.title == "Launch rocket v2" and epic.budget_tokens == 2000 and epic.priority == 1
    assert epic.spent_tokens == 400 and epic.status == "active"
    assert len(callbacks) == 1  # epic_updated


def test_adding_an_epic_in_the_admin_makes_the_operator_its_owner(staff, admin_user):
    response = staff.post(
        "/admin/agents/epic/add/",
        {
            "title": "From admin",
            "description": "",
            "tags": "[]",
            "priority": "3",
            "result_summary": "",
            "tasks-TOTAL_FORMS": "0",
            "tasks-INITIAL_FORMS": "0",
            "tasks-MIN_NUM_FORMS": "0",
            "tasks-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    epic = Epic.objects.get(title="From admin")
    assert epic.user == admin_user and epic.id.startswith("ep_") and epic.status == "planning"


def test_memory_admin_pages_load(staff):
    services.memory_fact_remember(key="k", value="v")
    services.memory_user_identify(channel="chat", external_id="1")
    for url in (
        "/admin/agents/memoryfact/",
        "/admin/agents/memoryepisode/",
        "/admin/agents/memoryprocedure/",
        "/admin/agents/memoryuser/",
        "/admin/agents/memoryfact/?q=k",
    ):
        assert staff.get(url).status_code == 200, url
