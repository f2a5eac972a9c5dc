"""llm_invoke / allm_invoke and a ReAct loop with the platform's tools, through the real clients."""

import asyncio

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from apps.agents import costs
from apps.agents.llm import errors
from apps.agents.llm.calls import allm_invoke
from apps.agents.llm.errors import LLMCallError
from apps.agents.llm.providers import ModelSettings, resolve_chat_model
from apps.agents.tools.calculator import calculator_tool
from apps.agents.tools.datetime_tool import datetime_tool


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_react_loop_runs_the_calculator_and_feeds_the_result_back(provider, request):
    credential = request.getfixturevalue(f"{provider}_credential")
    fake = request.getfixturevalue("openai_stub" if provider == "openai" else "fake_anthropic")
    if provider == "openai":
        fake.push_tool_call("calculator", {"expression": "(1500 * 12) + (500 * 0.08)"})
    else:
        fake.push_tool_use("calculator", {"expression": "(1500 * 12) + (500 * 0.08)"})
    fake.push_text("The total is 18040.")
    model = resolve_chat_model(credential, ModelSettings(model_name="m"))
    agent = create_agent(model, [calculator_tool(), datetime_tool()], system_prompt="You do sums.")

    result = agent.invoke({"messages": [HumanMessage("What is 1500*12 + 500*0.08?")]})

    tool_results = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert [m.content for m in tool_results] == ["18040.0"]
    assert result["messages"][-1].text == "The total is 18040."
    # The second request carried the tool result back to the provider.
    second = fake.requests[-1].body
    assert "18040.0" in str(second["messages"])
    assert {t.get("name") or t.get("function", {}).get("name") for t in second["tools"]} == {
        "calculator",
        "get_datetime",
    }
    usage = costs.usage_from_messages(result["messages"])
    assert usage["llm_calls"] == 2
    assert usage["input_tokens"] == 20


def test_tool_errors_reach_the_model_as_tool_results(anthropic_credential, fake_anthropic):
    fake_anthropic.push_tool_use("calculator", {"expression": "9**9**9**9"})
    fake_anthropic.push_text("That number is too large to compute.")
    agent = create_agent(
        resolve_chat_model(anthropic_credential, ModelSettings(model_name="m")), [calculator_tool()]
    )
    result = agent.invoke({"messages": [HumanMessage("9**9**9**9?")]})
    tool_result = next(m for m in result["messages"] if isinstance(m, ToolMessage))
    assert tool_result.content.startswith("Error: result of 9 ** 387420489 is too large")


# The credential is loaded synchronously (as a node would before awaiting); asyncio.run keeps the
# Django test transaction out of the event loop.
@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_async_invoke_retries_a_rate_limit(provider, request):
    credential = request.getfixturevalue(f"{provider}_credential")
    fake = request.getfixturevalue("openai_stub" if provider == "openai" else "fake_anthropic")
    fake.push_error(429, headers={"retry-after-ms": "100"})
    fake.push_text("async ok")
    reply = asyncio.run(
        allm_invoke(
            credential=credential, settings=ModelSettings(model_name="m"), messages=[HumanMessage("hi")]
        )
    )
    assert isinstance(reply, AIMessage)
    assert reply.text == "async ok"
    assert len(fake.requests) == 2


def test_async_invoke_does_not_retry_a_bad_key(anthropic_credential, fake_anthropic):
    fake_anthropic.push_error(401)
    with pytest.raises(LLMCallError) as info:
        asyncio.run(
            allm_invoke(
                credential=anthropic_credential,
                settings=ModelSettings(model_name="m"),
                messages=[HumanMessage("x")],
            )
        )
    assert info.value.error_code == errors.LLM_AUTH_ERROR
    assert len(fake_anthropic.requests) == 1
