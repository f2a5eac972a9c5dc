"""A workflow written in the DSL and created over REST runs on the real worker as it reads."""

import pytest

from apps.execution.models import ExecutionLog
from tests.integration.test_engine_flows import run_and_wait

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

DSL = """
name: DSL pipeline
trigger: manual
steps:
  - id: items
    type: code
    snippet: "return ['ada', 'bob']"
  - id: each
    type: loop
    over: "{{ items.output }}"
    body:
      - id: upper
        type: code
        snippet: "return input.upper()"
  - id: route
    type: switch
    rules:
      - {field: "trigger.payload.mode", operator: equals, value: "greet", route: greet}
    default: other
  - id: greet
    type: transform
    template: "Hello {{ each.results | join(', ') }} from {{ trigger.payload.city }}"
  - id: other
    type: code
    snippet: "return 'other'"
"""


def test_dsl_workflow_loops_routes_and_renders_a_template_on_the_worker(api_client, celery_worker):
    created = api_client.post("/api/v1/workflows/from-dsl/", {"dsl": DSL}, format="json")
    assert created.status_code == 201, created.content
    execution = run_and_wait(
        api_client, created.json()["slug"], {"payload": {"mode": "greet", "city": "Paris"}}, timeout=60
    )
    assert execution.status == "completed", execution.error_message
    logs = {log.node_id: log for log in ExecutionLog.objects.filter(execution=execution)}
    assert logs["greet"].output == {"output": "Hello ADA, BOB from Paris"}
    assert "other" not in logs or logs["other"].status == "skipped"


CHILD_DSL = """
name: Weather Bot
trigger: chat
model: inherit
steps:
  - id: forecaster
    type: agent
    prompt: You tell the weather.
    tools: [calculator]
"""


def test_an_agent_discovers_then_creates_a_workflow_with_the_dsl_on_the_worker(
    api_client, celery_worker, fake_openai
):
    import json

    from apps.workflows.models import Workflow
    from tests.execution.builders import build_workflow
    from tests.factories import LLMCredentialFactory

    credential = LLMCredentialFactory(base_url=fake_openai.url + "/v1", api_key="sk-test")
    architect = build_workflow(
        owner=api_client.user,
        nodes={
            "go": {"component_type": "trigger_manual"},
            "architect": {"component_type": "agent", "config": {"system_prompt": "You build workflows."}},
            "brain": {
                "component_type": "ai_model",
                "config": {"credential_id": credential.pk, "model_name": "gpt-4o-mini", "max_retries": 0},
            },
            "discover": {"component_type": "workflow_discover"},
            "create": {"component_type": "workflow_create"},
        },
        edges=[
            ("go", "architect"),
            ("brain", "architect", {"edge_label": "llm"}),
            ("discover", "architect", {"edge_label": "tool"}),
            ("create", "architect", {"edge_label": "tool"}),
        ],
    )
    fake_openai.tool_call(
        "workflow_discover", {"requirements": json.dumps({"trigger": "chat", "node_types": ["agent"]})}
    )
    fake_openai.tool_call("workflow_create", {"dsl": CHILD_DSL, "tags": "made-by-agent"})
    fake_openai.reply("Created weather-bot.")

    execution = run_and_wait(api_client, architect.slug, {"text": "Build a weather bot"}, timeout=90)

    assert execution.status == "completed", execution.error_message
    tool_messages = [
        json.loads(m["content"])
        for m in fake_openai.chat_requests[-1].body["messages"]
        if m["role"] == "tool"
    ]
    discovered, created = tool_messages
    assert discovered["success"] is True and discovered["total_searched"] == 0  # its own workflow is excluded
    assert created["success"] is True and created["slug"] == "weather-bot"
    child = Workflow.objects.get(slug="weather-bot")
    assert child.owner == api_client.user and child.tags == ["made-by-agent"]
    model = child.nodes.get(node_id="forecaster_model").config
    assert (model.credential_id, model.model_name) == (credential.pk, "gpt-4o-mini")
    assert created["node_count"] == 4 and created["edge_count"] == 3
