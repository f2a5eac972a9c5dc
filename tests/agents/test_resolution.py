"""resolve_sub_component: model nodes, tools and parsers become objects; bad nodes fail clearly."""

import pytest

from apps.agents.resolution import OutputParser, ResolvedModel, _credential_cache, resolve_sub_component
from apps.execution.graph import NodeSnapshot
from apps.execution.results import NodeError
from tests.factories import LLMCredentialFactory


@pytest.mark.django_db
def test_a_model_node_resolves_to_the_cached_chat_model_with_its_settings():
    credential = LLMCredentialFactory(base_url="http://127.0.0.1:9/v1")
    node = NodeSnapshot(
        "m",
        "ai_model",
        {"llm_credential_id": credential.pk, "model_name": "gpt-4o", "temperature": 0.2, "max_retries": 1},
    )

    resolved = resolve_sub_component(node)

    assert isinstance(resolved, ResolvedModel)
    assert resolved.settings.temperature == 0.2 and resolved.settings.max_retries == 1
    assert resolved.chat_model is resolve_sub_component(node).chat_model
    assert resolved.chat_model.model_name == "gpt-4o"


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["no credential", "unknown credential", "no model name"])
def test_a_model_node_without_a_usable_credential_or_model_fails_as_llm_config_error(case):
    config = {
        "no credential": {"model_name": "gpt-4o"},
        "unknown credential": {"credential_id": 987654, "model_name": "gpt-4o"},
        "no model name": {"credential_id": LLMCredentialFactory().pk},
    }[case]
    with pytest.raises(NodeError) as error:
        resolve_sub_component(NodeSnapshot("m", "ai_model", config))
    assert error.value.error_code == "llm_config_error" and error.value.retryable is False


@pytest.mark.parametrize(
    ("component_type", "tool_name"),
    [
        ("calculator", "calculator"),
        ("datetime", "get_datetime"),
        ("web_search", "web_search"),
        ("http_request", "http_request"),
    ],
)
def test_tool_nodes_resolve_to_langchain_tools(component_type, tool_name):
    tool = resolve_sub_component(NodeSnapshot("t", component_type, {}))
    assert tool.name == tool_name


def test_the_http_tool_calls_the_url_and_reports_errors_to_the_model(fake_openai):
    tool = resolve_sub_component(NodeSnapshot("t", "http_request", {}))
    assert tool.invoke({"url": fake_openai.url + "/v1/models"}).startswith("HTTP 200")
    assert tool.invoke({"url": "http://127.0.0.1:9/"}).startswith("Error")


def test_an_output_parser_node_resolves_to_a_callable_parser():
    parser = resolve_sub_component(NodeSnapshot("p", "output_parser", {"parser_type": "list"}))
    assert isinstance(parser, OutputParser) and parser("- a\n- b") == ["a", "b"]
    with pytest.raises(NodeError):
        resolve_sub_component(NodeSnapshot("p", "output_parser", {"parser_type": "regex", "pattern": "("}))


def test_a_non_sub_component_type_cannot_be_resolved():
    with pytest.raises(NodeError) as error:
        resolve_sub_component(NodeSnapshot("c", "code", {}))
    assert error.value.error_code == "invalid_sub_component"


@pytest.mark.django_db
def test_an_edited_credential_is_picked_up_by_the_next_resolution():
    credential = LLMCredentialFactory(base_url="http://127.0.0.1:9/v1", api_key="sk-old")
    node = NodeSnapshot("m", "ai_model", {"credential_id": credential.pk, "model_name": "gpt-4o"})
    assert resolve_sub_component(node).credential.api_key == "sk-old"

    credential.api_key = "sk-new"
    credential.save()

    assert resolve_sub_component(node).credential.api_key == "sk-new"


@pytest.mark.django_db
def test_a_resolved_credential_is_trusted_for_the_recheck_interval(settings, django_assert_num_queries):
    settings.PIPELIT_CREDENTIAL_RECHECK_SECONDS = 60
    _credential_cache.clear()  # earlier tests' credentials had the same (rolled back) ids
    credential = LLMCredentialFactory(base_url="http://127.0.0.1:9/v1", api_key="sk-old")
    node = NodeSnapshot("m", "ai_model", {"credential_id": credential.pk, "model_name": "gpt-4o"})
    resolve_sub_component(node)
    credential.api_key = "sk-new"
    credential.save()

    with django_assert_num_queries(0):
        assert resolve_sub_component(node).credential.api_key == "sk-old"
    settings.PIPELIT_CREDENTIAL_RECHECK_SECONDS = 0
    assert resolve_sub_component(node).credential.api_key == "sk-new"
