"""recall / remember tools on global memory, and the identify_user node."""

import pytest

from apps.agents.models import MemoryFact, MemoryUser
from apps.agents.tools.memory_tools import recall_tool, remember_tool
from tests.execution.helpers import run_snapshot

pytestmark = pytest.mark.django_db


def test_remember_then_recall_by_key_and_by_query():
    remember, recall = remember_tool({"fact_type": "user_preference"}), recall_tool({})
    assert (
        remember.invoke({"key": "user_name", "value": "Alice"}) == "Remembered: user_name = Alice (created)"
    )
    assert (
        remember.invoke({"key": "user_name", "value": "Alice B"})
        == "Remembered: user_name = Alice B (updated)"
    )
    fact = MemoryFact.objects.get(key="user_name")
    assert fact.fact_type == "user_preference" and fact.scope == "global"
    assert recall.invoke({"key": "user_name"}) == "user_name = Alice B"
    assert '"key": "user_name"' in recall.invoke({"query": "user"})
    assert recall.invoke({"key": "missing"}) == "No memory found for key: missing"


def test_remember_without_overwrite_skips_and_bad_fact_type_is_an_error_for_the_model():
    remember = remember_tool({"overwrite": False})
    remember.invoke({"key": "k", "value": "v1"})
    assert remember.invoke({"key": "k", "value": "v2"}) == "Remembered: k = v1 (skipped)"
    answer = remember.invoke({"key": "k2", "value": "v", "fact_type": "gossip"})
    assert answer.startswith("Error: Unknown fact_type 'gossip'")
    assert not MemoryFact.objects.filter(key="k2").exists()


def test_recall_respects_min_confidence_and_limit():
    remember = remember_tool({})
    for index in range(3):
        remember.invoke({"key": f"city_{index}", "value": "Paris"})
    MemoryFact.objects.filter(key="city_0").update(confidence=0.2)
    answer = recall_tool({"limit": 1, "min_confidence": 0.5}).invoke({"query": "city"})
    assert answer.count('"key"') == 1 and "city_0" not in answer


def test_a_bad_memory_type_is_a_config_error():
    with pytest.raises(ValueError, match="memory_type"):
        recall_tool({"memory_type": "dreams"})


@pytest.mark.django_db(transaction=True)
def test_identify_user_node_outputs_and_patches_user_context():
    graph = {
        "nodes": [
            {"id": "hook", "type": "trigger_webhook"},
            {"id": "who", "type": "identify_user"},
        ],
        "edges": [{"source": "hook", "target": "who"}],
    }
    payload = {"webhook_id": "w1", "user_id": "u-42", "user_name": "Alice"}
    first = run_snapshot(graph, payload)
    assert first.status == "completed", first.error
    output = first.node_outputs["who"]
    assert output["user_id"] == "webhook:u-42" and output["is_new_user"] is True
    again = run_snapshot(graph, payload)
    assert again.node_outputs["who"]["is_new_user"] is False
    assert MemoryUser.objects.get(canonical_id="webhook:u-42").total_conversations == 2


def test_identify_user_merges_the_context_into_state_for_later_nodes():
    from apps.agents.components.identify_user import run
    from apps.agents.services import memory_fact_remember, memory_user_identify
    from apps.execution.context import NodeContext

    known, _ = memory_user_identify(channel="chat", external_id="7", display_name="Bo")
    memory_fact_remember(key="lang", value="fr", scope="user", memory_user=known)
    ctx = NodeContext(
        node_id="who",
        component_type="identify_user",
        config={},
        inputs={},
        trigger={"source": "chat", "user_id": "7", "text": "salut"},
        node_outputs={},
        execution_id="x",
        workflow_slug="f",
    )
    result = run(ctx)
    assert result["user_id"] == "chat:7" and result["is_new_user"] is False
    patched = result["_state_patch"]["user_context"]
    assert patched["user_id"] == "chat:7" and patched["facts"] == [{"key": "lang", "value": "fr"}]
