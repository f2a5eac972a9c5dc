"""The Memories and Epics pages through Django's test client: lists, search, filters, scoping, deletes."""

import pytest
from django.test import Client

from apps.agents import services
from apps.agents.models import Epic, MemoryEpisode, MemoryFact, Task
from tests.factories import AdminFactory, EpicFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_memories_page_lists_facts_and_searches_by_key_or_value(web):
    services.memory_fact_remember(key="user_name", value="Alice")
    services.memory_fact_remember(key="favourite_colour", value="teal <b>")
    page = web.get("/memories/").content.decode()
    assert "user_name" in page and "teal &lt;b&gt;" in page
    assert 'href="/memories/"' in page and 'href="/epics/"' in page  # in the navigation
    found = web.get(
        "/memories/?q=alic", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="memory-table"
    ).content.decode()
    assert "user_name" in found and "favourite_colour" not in found and "<html" not in found


def test_memories_tabs_and_batch_delete(web):
    keep = MemoryEpisode.objects.create(agent_id="agent_1", summary="kept episode", success=True)
    gone = MemoryEpisode.objects.create(agent_id="agent_1", summary="doomed episode")
    assert "kept episode" in web.get("/memories/?tab=episodes").content.decode()
    assert web.get("/memories/?tab=nope").status_code == 404
    response = web.post(
        "/memories/episodes/delete/", {"ids": [str(gone.pk), "not-a-uuid"]}, HTTP_HX_REQUEST="true"
    )
    assert "Deleted 1 episodes." in response.content.decode()
    assert list(MemoryEpisode.objects.values_list("pk", flat=True)) == [keep.pk]
    fact, _ = services.memory_fact_remember(key="k", value="v")
    assert web.post("/memories/facts/delete/", {"ids": [str(fact.pk)]}).status_code == 302
    assert not MemoryFact.objects.exists()


def test_epics_list_is_scoped_and_filters_by_status(web, user):
    mine = services.epic_create(user=user, title="Ship the editor")
    services.epic_create(user=user, title="Planned thing")
    services.epic_update(epic=mine, changes={"status": "active"})
    EpicFactory(title="Somebody else's")
    page = web.get("/epics/").content.decode()
    assert "Ship the editor" in page and "Planned thing" in page and "Somebody else" not in page
    assert f"channel=epic%3A{mine.pk}" in page  # live over the editor socket
    active = web.get("/epics/?status=active").content.decode()
    assert "Ship the editor" in active and "Planned thing" not in active


def test_epic_detail_shows_tasks_and_deletes_only_its_own(web, user):
    epic = services.epic_create(user=user, title="Epic A", description="Why we do it", budget_usd=5)
    task = services.task_create(epic=epic, title="First task", description="details here")
    other = services.task_create(epic=services.epic_create(user=user, title="Epic B"), title="Other")
    page = web.get(f"/epics/{epic.pk}/").content.decode()
    assert "Why we do it" in page and "First task" in page and "details here" in page and "$5.00" in page
    assert "0/1 tasks" in page
    response = web.post(
        f"/epics/{epic.pk}/tasks/delete/", {"task_ids": [task.pk, other.pk]}, HTTP_HX_REQUEST="true"
    )
    assert "Deleted 1 task." in response.content.decode()
    assert list(Task.objects.values_list("pk", flat=True)) == [other.pk]


def test_someone_elses_epic_is_404_but_an_admin_sees_it(web):
    foreign = EpicFactory(title="Private")
    assert web.get(f"/epics/{foreign.pk}/").status_code == 404
    assert web.post(f"/epics/{foreign.pk}/tasks/delete/", {"task_ids": []}).status_code == 404
    web.post("/epics/delete/", {"epic_ids": [foreign.pk]})
    assert Epic.objects.filter(pk=foreign.pk).exists()
    admin = Client()
    admin.force_login(AdminFactory())
    assert admin.get(f"/epics/{foreign.pk}/").status_code == 200
