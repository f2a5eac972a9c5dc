"""Agent users over /api/v1/users/agents/: listing with a key preview, deletion revokes their keys."""

import pytest
from rest_framework.test import APIClient

from apps.agents import services
from apps.agents.models import ApiKey, Role, User

pytestmark = pytest.mark.django_db


def _agent(created_by, username="agent-bot"):
    agent, raw_key = services.agent_user_create(
        created_by=created_by, username=username, purpose="support bot"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return agent, raw_key, client


def test_agent_user_create_returns_a_working_key_and_no_password(user):
    agent, raw_key, client = _agent(user)
    assert agent.role == Role.AGENT and not agent.has_usable_password()
    assert agent.created_by == user
    assert client.get("/api/v1/auth/me/").json()["role"] == "agent"
    assert raw_key not in str(list(ApiKey.objects.values_list("key_hash", "prefix")))


def test_list_shows_agents_with_a_masked_prefix_preview(admin_client, user):
    agent, raw_key, _ = _agent(user)
    body = admin_client.get("/api/v1/users/agents/").json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item == {
        "id": agent.pk,
        "username": "agent-bot",
        "purpose": "support bot",
        "api_key_preview": f"{raw_key[:8]}****",
        "created_at": agent.date_joined.isoformat(),
        "created_by": user.username,
    }


def test_normal_users_see_only_the_agents_they_created(api_client, admin_user):
    _agent(admin_user, "admins-agent")
    mine, _, _ = _agent(api_client.user, "my-agent")
    items = api_client.get("/api/v1/users/agents/").json()["items"]
    assert [item["id"] for item in items] == [mine.pk]


def test_delete_removes_the_agent_and_its_key_stops_working(admin_client, user):
    agent, _, agent_client = _agent(user)
    assert admin_client.delete(f"/api/v1/users/agents/{agent.pk}/").status_code == 204
    assert agent_client.get("/api/v1/auth/me/").status_code == 401
    assert not User.objects.filter(pk=agent.pk).exists()


def test_delete_of_a_human_through_the_agents_route_is_404(admin_client, user):
    response = admin_client.delete(f"/api/v1/users/agents/{user.pk}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Agent user not found."}
    assert User.objects.filter(pk=user.pk).exists()


def test_batch_delete_removes_only_agents_the_caller_may_delete(api_client, admin_user):
    theirs, _, _ = _agent(admin_user, "theirs")
    first, _, _ = _agent(api_client.user, "first")
    second, _, _ = _agent(api_client.user, "second")
    response = api_client.post(
        "/api/v1/users/agents/batch-delete/", {"ids": [first.pk, second.pk, theirs.pk, 424242]}, format="json"
    )
    assert response.status_code == 204
    assert list(User.objects.filter(role=Role.AGENT).values_list("pk", flat=True)) == [theirs.pk]


def test_batch_delete_requires_a_list_of_ids(api_client):
    assert (
        api_client.post("/api/v1/users/agents/batch-delete/", {"ids": "1"}, format="json").status_code == 422
    )
