"""USD costs from the price table and credential overrides; usage read from real provider replies."""

from decimal import Decimal

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from apps.agents import costs
from apps.agents.llm.providers import ModelSettings, resolve_chat_model
from apps.agents.models import LLMCredential


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        # 1,000 input + 500 output tokens
        ("gpt-4o", Decimal("0.0075")),  # 1000*2.50/1M + 500*10/1M
        ("gpt-4o-mini-2024-07-18", Decimal("0.00045")),  # must not fall back to gpt-4o's price
        ("gpt-4.1", Decimal("0.006")),  # must not fall back to gpt-4's price
        ("gpt-4", Decimal("0.06")),
        ("o3-mini", Decimal("0.0033")),
        ("claude-3-5-sonnet-20241022", Decimal("0.0105")),
        ("claude-sonnet-4-5", Decimal("0.0105")),
        ("claude-opus-4-5-20251101", Decimal("0.0175")),
        ("claude-opus-4-1", Decimal("0.0525")),
        ("openai/gpt-4o", Decimal("0.0075")),
    ],
)
def test_cost_uses_the_longest_matching_prefix(model, expected):
    assert costs.cost_usd(model, 1000, 500) == expected


def test_unknown_models_cost_nothing():
    assert costs.cost_usd("llama3.1:8b", 10_000, 10_000) == Decimal(0)


def test_credential_overrides_win_exact_then_by_prefix(db):
    credential = LLMCredential(
        name="priced",
        price_overrides={
            "gpt-4o": {"input": "1", "output": "2"},
            "llama3.1": {"input": 0.1, "output": 0.2},
            "broken": {"input": "x"},
        },
    )
    assert costs.cost_usd("gpt-4o", 1_000_000, 1_000_000, credential) == Decimal(3)
    assert costs.cost_usd("llama3.1:70b", 1_000_000, 500_000, credential) == Decimal("0.2")
    # A longer built-in prefix beats a shorter override.
    assert costs.cost_usd("gpt-4o-mini", 1_000_000, 0, credential) == Decimal("0.15")
    # A malformed override is ignored rather than failing the run.
    assert costs.cost_usd("broken", 1, 1, credential) == Decimal(0)


def test_override_wins_a_tie_with_the_built_in_prefix(db):
    credential = LLMCredential(name="p", price_overrides={"claude-sonnet-4": {"input": 1, "output": 1}})
    assert costs.cost_usd("claude-sonnet-4-5", 1_000_000, 1_000_000, credential) == Decimal(2)


def test_usage_is_read_from_a_real_provider_reply(anthropic_credential, fake_anthropic):
    fake_anthropic.push_text("hi", input_tokens=1200, output_tokens=300)
    reply = resolve_chat_model(anthropic_credential, ModelSettings(model_name="claude-sonnet-4-5")).invoke(
        [HumanMessage("hello")]
    )
    usage = costs.usage_from_message(reply)
    assert usage == {"input_tokens": 1200, "output_tokens": 300, "total_tokens": 1500, "llm_calls": 1}
    assert costs.cost_usd("claude-sonnet-4-5", usage["input_tokens"], usage["output_tokens"]) == Decimal(
        "0.0081"
    )


def test_usage_of_a_react_transcript_sums_ai_messages_only():
    transcript = [
        HumanMessage("q"),
        AIMessage("", usage_metadata={"input_tokens": 100, "output_tokens": 20, "total_tokens": 120}),
        ToolMessage("r", tool_call_id="c"),
        AIMessage("a", usage_metadata={"input_tokens": 150, "output_tokens": 30, "total_tokens": 180}),
        AIMessage("no usage reported"),
    ]
    assert costs.usage_from_messages(transcript) == {
        "input_tokens": 250,
        "output_tokens": 50,
        "total_tokens": 300,
        "llm_calls": 3,
    }


def test_merge_usage_sums_every_numeric_field():
    merged = costs.merge_usage(
        {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3, "llm_calls": 1, "tool_invocations": 2},
        {"input_tokens": 4, "output_tokens": 5, "total_tokens": 9, "llm_calls": 1},
    )
    assert merged == {
        "input_tokens": 5,
        "output_tokens": 7,
        "total_tokens": 12,
        "llm_calls": 2,
        "tool_invocations": 2,
    }
