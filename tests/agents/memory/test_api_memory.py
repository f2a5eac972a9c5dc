"""/api/v1/memories/: facts, episodes, procedures and users — lists with filters and batch-delete."""

import uuid

import pytest

from apps.agents import services
from apps.agents.models import MemoryEpisode, MemoryFact, MemoryProcedure, MemoryUser

pytestmark = pytest.mark.django_db


def test_facts_list_filters_by_scope_and_type(api_client):
    services.memory_fact_remember(key="company", value="Acme", fact_type="world_knowledge")
    services.memory_fact_remember(
        key="tone", value="terse", scope="agent", agent_id="a1", fact_type="self_knowledge"
    )
    listing = api_client.get("/api/v1/memories/facts/").json()
    assert listing["total"] == 2
    item = next(f for f in listing["items"] if f["key"] == "company")
    assert item["value"] == "Acme" and item["scope"] == "global" and item["confidence"] == 0.8
    assert {
        "id",
        "agent_id",
        "user_id",
        "times_confirmed",
        "access_count",
        "created_at",
        "updated_at",
    } <= set(item)
    assert [f["key"] for f in api_client.get("/api/v1/memories/facts/?scope=agent").json()["items"]] == [
        "tone"
    ]
    by_type = api_client.get("/api/v1/memories/facts/?fact_type=world_knowledge").json()
    assert [f["key"] for f in by_type["items"]] == ["company"]


def test_facts_batch_delete(api_client):
    keep, _ = services.memory_fact_remember(key="keep", value=1)
    drop, _ = services.memory_fact_remember(key="drop", value=2)
    response = api_client.post(
        "/api/v1/memories/facts/batch-delete/", {"ids": [str(drop.pk), str(uuid.uuid4())]}, format="json"
    )
    assert response.status_code == 204
    assert list(MemoryFact.objects.values_list("key", flat=True)) == ["keep"]
    bad = api_client.post("/api/v1/memories/facts/batch-delete/", {"ids": ["not-a-uuid"]}, format="json")
    assert bad.status_code == 422 and MemoryFact.objects.count() == 1


def test_episodes_list_filters_by_agent_and_batch_delete(api_client):
    a = MemoryEpisode.objects.create(agent_id="helpdesk", trigger_type="chat", success=True, summary="s")
    MemoryEpisode.objects.create(agent_id="other")
    listing = api_client.get("/api/v1/memories/episodes/?agent_id=helpdesk").json()
    assert listing["total"] == 1
    item = listing["items"][0]
    assert item["id"] == str(a.pk) and item["trigger_type"] == "chat" and item["success"] is True
    assert api_client.get("/api/v1/memories/episodes/").json()["total"] == 2
    api_client.post("/api/v1/memories/episodes/batch-delete/", {"ids": [str(a.pk)]}, format="json")
    assert MemoryEpisode.objects.count() == 1


def test_procedures_list_shows_success_rate_and_batch_delete(api_client):
    p = MemoryProcedure.objects.create(
        agent_id="a1", name="order_lookup", times_used=15, times_succeeded=14, times_failed=1
    )
    MemoryProcedure.objects.create(agent_id="a2", name="other")
    listing = api_client.get("/api/v1/memories/procedures/?agent_id=a1").json()
    assert listing["total"] == 1 and listing["items"][0]["success_rate"] == 0.933
    api_client.post("/api/v1/memories/procedures/batch-delete/", {"ids": [str(p.pk)]}, format="json")
    assert list(MemoryProcedure.objects.values_list("name", flat=True)) == ["other"]


def test_memory_users_list_and_batch_delete(api_client):
    seen, _ = services.memory_user_identify(
        channel="gateway", external_id="123456789", display_name="John Doe"
    )
    MemoryUser.objects.create(canonical_id="email:x@y.z")
    listing = api_client.get("/api/v1/memories/users/").json()
    assert listing["total"] == 2
    first = listing["items"][0]  # seen users first
    assert first["canonical_id"] == "gw:123456789" and first["display_name"] == "John Doe"
    assert first["telegram_id"] == "123456789" and first["total_conversations"] == 1
    api_client.post("/api/v1/memories/users/batch-delete/", {"ids": [str(seen.pk)]}, format="json")
    assert list(MemoryUser.objects.values_list("canonical_id", flat=True)) == ["email:x@y.z"]


def test_memory_endpoints_need_a_key(anon_client):
    assert anon_client.get("/api/v1/memories/facts/").status_code == 401
    assert (
        anon_client.post("/api/v1/memories/users/batch-delete/", {"ids": []}, format="json").status_code
        == 401
    )


def test_lists_search_text_without_counting_an_access(api_client):
    fact, _ = services.memory_fact_remember(key="home_city", value="Lyon")
    services.memory_fact_remember(key="pet", value="cat")
    MemoryEpisode.objects.create(agent_id="a1", summary="Booked a train to Lyon")
    MemoryEpisode.objects.create(agent_id="a1", summary="Answered a riddle")
    MemoryProcedure.objects.create(name="Book travel", description="trains and planes")
    MemoryUser.objects.create(canonical_id="u-lyon", display_name="Léa")
    keys = [f["key"] for f in api_client.get("/api/v1/memories/facts/?search=LYON").json()["items"]]
    assert keys == ["home_city"]
    episodes = api_client.get("/api/v1/memories/episodes/?search=lyon").json()["items"]
    assert [e["summary"] for e in episodes] == ["Booked a train to Lyon"]
    assert api_client.get("/api/v1/memories/procedures/?search=plane").json()["total"] == 1
    assert api_client.get("/api/v1/memories/users/?search=lyon").json()["total"] == 1
    fact.refresh_from_db()
    assert fact.access_count == 0
