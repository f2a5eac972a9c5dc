"""The services behind recall / remember / identify_user, and one episode per execution."""

import json
from decimal import Decimal

import pytest

from apps.agents import services
from apps.agents.models import MemoryEpisode, MemoryFact, MemoryProcedure
from apps.agents.services.memory import fuzzy_pattern
from apps.workflows.models import WorkflowNode
from tests.factories import WorkflowExecutionFactory, WorkflowFactory

pytestmark = pytest.mark.django_db


def test_fuzzy_pattern_treats_spaces_underscores_and_hyphens_alike():
    assert fuzzy_pattern("local time") == "local.*time"
    assert fuzzy_pattern(" local_time-zone ") == "local.*time.*zone"
    assert fuzzy_pattern("a.b") == r"a\.b"
    assert fuzzy_pattern("  ") is None


def test_search_matches_words_in_order_filters_confidence_and_ranks_by_it():
    for key, confidence in [
        ("lesson_local_time_command", 0.6),
        ("local_time_zone", 0.9),
        ("get-local-time", 0.7),
        ("time_local", 0.99),  # wrong order
        ("local_time_guess", 0.3),  # below min_confidence
    ]:
        services.memory_fact_remember(key=key, value="v", confidence=confidence)
    found = services.memory_fact_search(query="local time", min_confidence=0.5)
    assert [f.key for f in found] == ["local_time_zone", "get-local-time", "lesson_local_time_command"]
    assert [f.key for f in services.memory_fact_search(query="local time", limit=1)] == ["local_time_zone"]


def test_search_looks_into_values_and_counts_accesses():
    services.memory_fact_remember(key="home", value={"city": "Adelaide"})
    (fact,) = services.memory_fact_search(query="adelaide")
    assert fact.key == "home" and fact.access_count == 1
    services.memory_fact_search(query="adelaide")
    assert MemoryFact.objects.get(key="home").access_count == 2


def test_key_lookup_prefers_the_most_specific_scope():
    person, _ = services.memory_user_identify(channel="chat", external_id="42")
    services.memory_fact_remember(key="tone", value="neutral")
    services.memory_fact_remember(key="tone", value="formal", scope="agent", agent_id="support")
    services.memory_fact_remember(key="tone", value="casual", scope="user", memory_user=person)
    services.memory_fact_remember(key="tone", value="terse", scope="session", session_id="s1")
    lookup = services.memory_fact_lookup
    assert lookup(key="tone").value == "neutral"
    assert lookup(key="tone", agent_id="support").value == "formal"
    assert lookup(key="tone", agent_id="support", memory_user=person).value == "casual"
    assert lookup(key="tone", agent_id="support", memory_user=person, session_id="s1").value == "terse"
    assert lookup(key="tone", agent_id="other").value == "neutral"
    assert lookup(key="missing") is None


def test_remember_creates_confirms_overwrites_or_skips():
    fact, action = services.memory_fact_remember(key="color", value="blue")
    assert action == "created" and fact.confidence == 0.8 and fact.times_confirmed == 0
    fact, action = services.memory_fact_remember(key="color", value="blue")
    assert action == "updated" and fact.times_confirmed == 1 and fact.confidence == pytest.approx(0.85)
    fact, action = services.memory_fact_remember(key="color", value="green", fact_type="correction")
    assert fact.value == "green" and fact.fact_type == "correction" and fact.times_confirmed == 2
    fact, action = services.memory_fact_remember(key="color", value="red", overwrite=False)
    assert action == "skipped" and MemoryFact.objects.get(key="color").value == "green"
    assert MemoryFact.objects.count() == 1


def test_remember_refuses_unknown_types_and_scopes_without_an_owner():
    from apps.agents.errors import InvalidInput

    with pytest.raises(InvalidInput, match="fact_type"):
        services.memory_fact_remember(key="k", value=1, fact_type="gossip")
    with pytest.raises(InvalidInput, match="agent_id"):
        services.memory_fact_remember(key="k", value=1, scope="agent")
    with pytest.raises(InvalidInput, match="scope"):
        services.memory_fact_remember(key="k", value=1, scope="planet")


def test_tool_strings_for_remember_and_recall():
    assert (
        services.memory_remember(key="user_name", value="Alice") == "Remembered: user_name = Alice (created)"
    )
    assert services.memory_remember(key="user_name", value="Al", overwrite=False) == (
        "Remembered: user_name = Alice (skipped)"
    )
    assert services.memory_recall(key="user_name") == "user_name = Alice"
    listed = json.loads(services.memory_recall())
    assert listed == [{"key": "user_name", "value": "Alice", "confidence": 0.8}]
    assert (
        json.loads(services.memory_recall(key="user name"))[0]["key"] == "user_name"
    )  # falls back to search
    assert services.memory_recall(key="unknown_key") == "No memory found for key: unknown_key"


def test_recall_across_procedures_and_episodes():
    MemoryProcedure.objects.create(
        name="weather_lookup",
        trigger_conditions={"goal_contains": ["forecast"]},
        times_succeeded=9,
        times_failed=1,
    )
    MemoryProcedure.objects.create(name="weather_guess", times_succeeded=1, times_failed=9)
    MemoryProcedure.objects.create(name="weather_old", is_active=False)
    MemoryEpisode.objects.create(summary="asked about the weather in Paris", success=True)
    procedures = services.memory_procedure_search(goal="weather")
    assert [p.name for p in procedures] == ["weather_lookup", "weather_guess"]
    assert [p.name for p in services.memory_procedure_search(goal="tomorrow's forecast")] == [
        "weather_lookup"
    ]
    results = json.loads(services.memory_recall(query="weather", memory_type="all"))
    assert {"procedure", "episode"} <= {key for item in results for key in item}


def test_identify_user_creates_then_recognises_and_counts_conversations():
    first = services.identify_user(payload={"user": {"id": 12345678, "first_name": "Ann"}}, channel="gateway")
    assert first["user_id"] == "gw:12345678" and first["is_new_user"] is True
    person, _ = services.memory_user_identify(channel="gateway", external_id="12345678")
    services.memory_fact_remember(key="user_name", value="Ann", scope="user", memory_user=person)
    again = services.identify_user(payload={"gw_user_id": "12345678", "user": {"id": 12345678}})
    assert again["is_new_user"] is False
    assert again["user_context"]["facts"] == [{"key": "user_name", "value": "Ann"}]
    person.refresh_from_db()
    assert (
        person.total_conversations == 3 and person.display_name == "Ann" and person.telegram_id == "12345678"
    )
    anonymous = services.identify_user(payload={"text": "hi"})
    assert anonymous["user_id"] is None and anonymous["is_new_user"] is True


def test_identify_follows_merged_users():
    old, _ = services.memory_user_identify(channel="email", external_id="a@b.c")
    main, _ = services.memory_user_identify(channel="gateway", external_id="7")
    old.merged_into = main
    old.save()
    person, is_new = services.memory_user_identify(channel="email", external_id="a@b.c")
    assert person.pk == main.pk and not is_new


def test_an_episode_is_logged_once_per_execution_from_its_outcome():
    workflow = WorkflowFactory(slug="helpdesk")
    # A bare node row: the node-type registry is not this test's concern.
    trigger = WorkflowNode.objects.create(workflow=workflow, node_id="chat", component_type="trigger_chat")
    execution = WorkflowExecutionFactory(
        workflow=trigger.workflow,
        trigger_node=trigger,
        status="completed",
        trigger_payload={"text": "Where is my order?"},
        final_output={"output": "It ships tomorrow."},
        total_tokens=321,
        total_cost_usd=Decimal("0.0042"),
        duration_ms=1500,
    )
    execution.logs.create(node_id="agent_1", component_type="agent", status="success", duration_ms=900)
    person, _ = services.memory_user_identify(channel="chat", external_id="u1")
    execution.logs.create(
        node_id="who",
        component_type="identify_user",
        status="success",
        output={"user_id": person.canonical_id},
    )
    episode = services.episode_log_for_execution(execution=execution)
    assert episode.agent_id == "helpdesk" and episode.trigger_type == "chat" and episode.success is True
    assert episode.user == person and episode.total_tokens == 321 and episode.duration_ms == 1500
    assert "Where is my order?" in episode.summary and "It ships tomorrow." in episode.summary
    assert episode.conversation[0] == {"role": "user", "content": "Where is my order?"}
    assert [a["node_id"] for a in episode.actions_taken] == ["agent_1", "who"]
    execution.status, execution.error_code = "failed", "TIMEOUT"
    execution.save()
    again = services.episode_log_for_execution(execution=execution)
    assert again.pk == episode.pk and again.success is False and again.error_code == "TIMEOUT"
    assert MemoryEpisode.objects.count() == 1
