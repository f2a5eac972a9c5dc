"""An agent with spawn_and_await runs its loop on the checkpointer (apps.agents.durable_agent)."""

import json

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from apps.agents import durable_agent
from apps.execution.checkpoints import checkpointer
from tests.agents.components.test_agent import agent_graph


def test_a_refused_spawn_answers_the_model_and_the_agent_finishes_without_pausing(
    credential, fake_openai, run_ai
):
    # No saved workflow behind this in-process run: the spawn is refused before any child exists.
    fake_openai.tool_call("spawn_and_await", {"workflow_slug": "helper", "input_text": "hi"})
    fake_openai.reply("I could not delegate.")

    outcome, _ = run_ai(
        agent_graph(credential, tools=("spawn_and_await",)), {"text": "delegate"}, execution_id="e-d1"
    )

    assert outcome.status == "completed", outcome.error
    assert outcome.final_output["output"] == "I could not delegate."
    tool_answer = next(m for m in fake_openai.chat_requests[1].body["messages"] if m["role"] == "tool")
    assert json.loads(tool_answer["content"])["success"] is False
    assert outcome.token_usage["llm_calls"] == 2
    # A finished agent forgets its loop's checkpoint.
    config = {"configurable": {"thread_id": durable_agent.thread_id("e-d1", "agent")}}
    assert checkpointer().get_tuple(config) is None


def test_tool_calls_are_answered_in_order_one_per_step():
    ask = AIMessage(
        "", tool_calls=[{"name": "a", "args": {}, "id": None}, {"name": "b", "args": {}, "id": None}]
    )
    produced = [HumanMessage("q"), ask]
    assert durable_agent._next_call(produced)["name"] == "a"
    produced.append(ToolMessage("1", tool_call_id=""))
    assert durable_agent._next_call(produced)["name"] == "b"
    produced.append(ToolMessage("2", tool_call_id=""))
    assert durable_agent._next_call(produced) is None
    assert durable_agent._next_call([*produced, AIMessage("done")]) is None
