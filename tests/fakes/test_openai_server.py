"""The loopback OpenAI-compatible fake, driven through langchain_openai.ChatOpenAI."""

import httpx
import openai
import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI


@tool
def get_weather(city: str) -> str:
    """Weather for a city."""
    return "sunny"


def llm_for(fake, **kwargs):
    return ChatOpenAI(base_url=fake.url + "/v1", api_key="x", model="gpt-4o-mini", max_retries=0, **kwargs)


def test_chat_openai_gets_a_scripted_reply_with_usage(fake_openai):
    fake_openai.reply("Hello from the fake", usage=(12, 4))
    message = llm_for(fake_openai).invoke([HumanMessage(content="hi")])
    assert message.content == "Hello from the fake"
    assert message.usage_metadata["input_tokens"] == 12 and message.usage_metadata["output_tokens"] == 4
    request = fake_openai.chat_requests[0]
    assert request.body["messages"][0] == {"role": "user", "content": "hi"}
    assert request.headers["authorization"] == "Bearer x"


def test_chat_openai_receives_a_tool_call(fake_openai):
    fake_openai.tool_call("get_weather", {"city": "Paris"}, call_id="call_1")
    message = llm_for(fake_openai).bind_tools([get_weather]).invoke("weather in Paris?")
    assert message.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1", "type": "tool_call"}
    ]
    assert fake_openai.chat_requests[0].body["tools"][0]["function"]["name"] == "get_weather"


def test_streaming_delivers_text_tool_calls_and_usage(fake_openai):
    fake_openai.reply("one two three", usage=(7, 3))
    chunks = list(llm_for(fake_openai, stream_usage=True).stream("count"))
    assert "".join(c.content for c in chunks) == "one two three"
    total = sum(chunks[1:], chunks[0])
    assert total.usage_metadata["input_tokens"] == 7 and total.usage_metadata["output_tokens"] == 3

    fake_openai.tool_call("get_weather", {"city": "Oslo"}, call_id="call_9")
    chunks = list(llm_for(fake_openai).bind_tools([get_weather]).stream("weather"))
    merged = sum(chunks[1:], chunks[0])
    assert merged.tool_calls[0]["name"] == "get_weather" and merged.tool_calls[0]["args"] == {"city": "Oslo"}


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, openai.AuthenticationError), (429, openai.RateLimitError), (500, openai.InternalServerError)],
)
def test_scripted_error_statuses_reach_the_client(fake_openai, status, error):
    fake_openai.error(status, "scripted failure")
    with pytest.raises(error, match="scripted failure"):
        llm_for(fake_openai).invoke("hi")


def test_unscripted_calls_get_the_default_reply_and_models_are_listed(fake_openai):
    assert llm_for(fake_openai).invoke("hi").content == fake_openai.default_reply
    models = httpx.get(fake_openai.url + "/v1/models").json()
    assert [m["id"] for m in models["data"]] == fake_openai.models
    assert fake_openai.pending == 0 and len(fake_openai.requests) == 2
