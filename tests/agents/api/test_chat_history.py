"""GET/DELETE /api/v1/workflows/<slug>/chat/history/: the caller's own thread, paged newest-first."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.agents import conversations
from tests.factories import UserFactory, WorkflowFactory

pytestmark = pytest.mark.django_db


def add(thread_id, role, text, minutes_ago):
    when = timezone.now() - timedelta(minutes=minutes_ago)
    conversations.append_messages(thread_id, [(role, text, when)])


@pytest.fixture
def workflow(api_client):
    workflow = WorkflowFactory(owner=api_client.user)
    # The checkpointer's file outlives the (rolled back) test database, whose ids repeat: start clean.
    for user_id in (api_client.user.pk, api_client.user.pk + 999):
        conversations.history_clear(thread_id=f"{user_id}:{workflow.pk}")
    conversations.history_clear(thread_id="other:thread")
    return workflow


def url(workflow):
    return f"/api/v1/workflows/{workflow.slug}/chat/history/"


def test_history_returns_the_newest_messages_oldest_first_with_has_more(api_client, workflow):
    thread = f"{api_client.user.pk}:{workflow.pk}"
    for i in range(5):
        add(thread, "user" if i % 2 == 0 else "assistant", f"m{i}", minutes_ago=10 - i)
    add(f"{api_client.user.pk + 999}:{workflow.pk}", "user", "someone else's", minutes_ago=1)

    body = api_client.get(url(workflow), {"limit": 3}).json()

    assert [m["text"] for m in body["messages"]] == ["m2", "m3", "m4"]
    assert body["messages"][0]["role"] == "user" and body["messages"][0]["timestamp"]
    assert body["thread_id"] == thread and body["has_more"] is True

    older = api_client.get(url(workflow), {"limit": 3, "before": body["messages"][0]["timestamp"]}).json()
    assert [m["text"] for m in older["messages"]] == ["m0", "m1"] and older["has_more"] is False


def test_history_defaults_to_ten_and_is_empty_for_a_new_thread(api_client, workflow):
    body = api_client.get(url(workflow)).json()
    assert body == {"messages": [], "thread_id": f"{api_client.user.pk}:{workflow.pk}", "has_more": False}


@pytest.mark.parametrize("query", [{"limit": "x"}, {"limit": 0}, {"before": "yesterday"}])
def test_bad_query_parameters_are_422(api_client, workflow, query):
    response = api_client.get(url(workflow), query)
    assert response.status_code == 422 and "detail" in response.json()


def test_delete_clears_only_the_callers_thread(api_client, workflow):
    mine = f"{api_client.user.pk}:{workflow.pk}"
    add(mine, "user", "hi", 1)
    add("other:thread", "user", "keep", 1)

    response = api_client.delete(url(workflow))

    assert response.status_code == 204
    assert conversations.history_page(thread_id=mine, limit=10) == ([], False)
    assert [m["text"] for m in conversations.history_page(thread_id="other:thread", limit=10)[0]] == ["keep"]


def test_history_of_a_workflow_the_caller_cannot_see_is_404(api_client):
    hidden = WorkflowFactory(owner=UserFactory())
    assert api_client.get(url(hidden)).status_code == 404
    assert api_client.delete(url(hidden)).json() == {"detail": "Workflow not found."}
