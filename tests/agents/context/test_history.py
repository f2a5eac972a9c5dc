"""History window for conversation continuity: newest first, bounded by count and tokens."""

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from apps.agents.context.history import history_window
from apps.agents.context.tokens import count_message_tokens


def _thread(turns):
    messages = []
    for turn in range(turns):
        messages += [HumanMessage(f"question {turn}"), AIMessage(f"answer {turn}")]
    return messages


def test_keeps_the_newest_messages_up_to_the_limit():
    thread = _thread(30)
    window = history_window(thread, limit=20)
    assert window == thread[-20:]
    assert window[0].content == "question 20"


def test_token_budget_can_cut_before_the_count_limit():
    thread = _thread(30)
    per_message = count_message_tokens(thread[-1])
    assert per_message == 7  # 3 framing + "assistant" + "answer 29" (3 tokens)
    window = history_window(thread, limit=20, max_tokens=7 * 5 + 6)
    assert window == thread[-5:]


def test_stored_system_prompts_are_not_replayed():
    thread = [SystemMessage("old prompt"), *_thread(2)]
    assert history_window(thread) == thread[1:]


def test_tool_call_and_result_stay_together():
    call = AIMessage("", tool_calls=[{"name": "calculator", "args": {"expression": "1+1"}, "id": "c1"}])
    thread = [HumanMessage("q"), call, ToolMessage("2", tool_call_id="c1"), AIMessage("it is 2")]
    # Room for three messages: the call+result unit plus the answer; the question does not fit.
    assert history_window(thread, limit=3) == thread[1:]
    # Room for two: the unit would be split, so only the answer is replayed.
    assert history_window(thread, limit=2) == thread[3:]


def test_empty_thread():
    assert history_window([]) == []
