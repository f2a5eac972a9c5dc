"""Create mode: every example of architecture/workflow-dsl.md compiles to the graph it describes."""

import pytest

from apps.workflows.dsl.service import workflow_create_from_dsl
from apps.workflows.dsl.source import Parent
from tests.execution.builders import build_workflow
from tests.factories import LLMCredentialFactory
from tests.workflows.dsl.helpers import edge_set, graph_of, node_types

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential(db):
    return LLMCredentialFactory(name="main")


def explicit_model(credential, name="gpt-4o"):
    return f"model:\n  credential_id: {credential.pk}\n  model_name: {name}\n"


def create(user, text, **kwargs):
    workflow, _warnings = workflow_create_from_dsl(owner=user, text=text, **kwargs)
    return workflow


def test_basic_structure_example_builds_a_webhook_and_two_code_steps(user, credential):
    workflow = create(
        user,
        """
name: "Moltbook Webhook Verification"
description: "Receives Moltbook verification ping and responds with token"
tags: ["webhook", "verification", "moltbook"]
trigger:
  type: webhook
model:
  capability: "gpt-4o"
steps:
  - id: validate
    type: code
    snippet: |
      import json
      return {"token": 1}
  - id: respond
    type: code
    snippet: |
      return {"verified": True}
""",
    )
    assert (workflow.name, workflow.slug) == (
        "Moltbook Webhook Verification",
        "moltbook-webhook-verification",
    )
    assert workflow.tags == ["webhook", "verification", "moltbook"]
    assert node_types(workflow) == {
        "trigger_webhook_1": "trigger_webhook",
        "validate": "code",
        "respond": "code",
    }
    assert edge_set(workflow) == {
        ("trigger_webhook_1", "validate", "direct", "", ""),
        ("validate", "respond", "direct", "", ""),
    }
    assert graph_of(workflow)["nodes"]["validate"]["config"]["code"].startswith("import json\n")


def test_implicit_linear_flow_example_compiles_to_three_direct_edges(user, credential):
    workflow = create(
        user,
        explicit_model(credential)
        + """
steps:
  - id: fetch
    type: http
    url: "https://api.example.com/data"
  - id: process
    type: code
    snippet: |
      return {"count": 1}
  - id: respond
    type: agent
    prompt: "Summarize the data"
""",
    )
    flow = {e for e in edge_set(workflow) if e[3] == ""}
    assert flow == {
        ("trigger_chat_1", "fetch", "direct", "", ""),
        ("fetch", "process", "direct", "", ""),
        ("process", "respond", "direct", "", ""),
    }
    assert ("respond_model", "respond", "direct", "llm", "") in edge_set(workflow)
    nodes = graph_of(workflow)["nodes"]
    assert nodes["fetch"]["config"]["extra_config"] == {"url": "https://api.example.com/data"}
    assert nodes["respond"]["config"]["system_prompt"] == "Summarize the data"
    assert nodes["respond_model"]["config"]["credential_id"] == credential.pk


def test_explicit_branching_example_routes_the_switch_to_named_steps(user, credential):
    workflow = create(
        user,
        explicit_model(credential)
        + """
steps:
  - id: classify
    type: switch
    rules:
      - {field: "trigger.payload.type", operator: "equals", value: "verification", route: "verify"}
      - {field: "trigger.payload.type", operator: "equals", value: "message", route: "handle_msg"}
    default: "log_unknown"
  - id: verify
    type: code
    snippet: "return {'verified': True}"
  - id: handle_msg
    type: agent
    prompt: "Process the incoming message"
  - id: log_unknown
    type: code
    snippet: "return {'error': 'unknown type'}"
""",
    )
    assert edge_set(workflow) == {
        ("trigger_chat_1", "classify", "direct", "", ""),
        ("classify", "verify", "conditional", "", "verify"),
        ("classify", "handle_msg", "conditional", "", "handle_msg"),
        ("classify", "log_unknown", "conditional", "", "__other__"),
        ("handle_msg_model", "handle_msg", "direct", "llm", ""),
    }
    extra = graph_of(workflow)["nodes"]["classify"]["config"]["extra_config"]
    assert extra["enable_fallback"] is True
    assert extra["rules"][0] == {
        "id": "verify",
        "field": "trigger.payload.type",
        "operator": "equals",
        "value": "verification",
    }


def test_agent_tools_example_adds_one_tool_node_and_tool_edge_each_and_memory(user, credential):
    workflow = create(
        user,
        explicit_model(credential)
        + """
steps:
  - id: worker
    type: agent
    prompt: "You are a data analysis agent."
    tools:
      - type: code
      - type: http_request
      - type: calculator
      - type: web_search
        config:
          searxng_url: "http://localhost:8080"
    memory: true
""",
    )
    tools = {s for s, t, _type, label, _c in edge_set(workflow) if label == "tool" and t == "worker"}
    types = node_types(workflow)
    # `code` as a tool is the code_execute sub-component (a sandboxed snippet the agent can call)
    assert sorted(types[t] for t in tools) == sorted(
        ["code_execute", "http_request", "calculator", "web_search"]
    )
    memory = {s for s, t, _type, label, _c in edge_set(workflow) if label == "memory" and t == "worker"}
    assert sorted(types[m] for m in memory) == ["memory_read", "memory_write"]
    nodes = graph_of(workflow)["nodes"]
    assert nodes["worker_web_search"]["config"]["extra_config"] == {"searxng_url": "http://localhost:8080"}
    assert nodes["worker"]["config"]["extra_config"]["conversation_memory"] is True


def test_content_moderator_example_chains_agent_into_switch_and_ends_branches(user, credential):
    workflow = create(
        user,
        f"""
name: "Content Moderator"
tags: ["moderation", "content"]
trigger:
  type: webhook
model:
  credential_id: {credential.pk}
  model_name: gpt-4o
steps:
  - id: classify
    type: agent
    prompt: "Classify the content as 'safe', 'review', or 'block'."
  - id: route
    type: switch
    rules:
      - {{field: "classify.output", operator: equals, value: "safe", route: approve}}
      - {{field: "classify.output", operator: equals, value: "block", route: reject}}
    default: manual_review
  - id: approve
    type: code
    snippet: "return {{'action': 'approve'}}"
  - id: reject
    type: code
    snippet: "return {{'action': 'reject'}}"
  - id: manual_review
    type: human
    message: "Content needs manual review."
""",
    )
    assert {e for e in edge_set(workflow) if e[3] == ""} == {
        ("trigger_webhook_1", "classify", "direct", "", ""),
        ("classify", "route", "direct", "", ""),
        ("route", "approve", "conditional", "", "approve"),
        ("route", "reject", "conditional", "", "reject"),
        ("route", "manual_review", "conditional", "", "__other__"),
    }
    assert graph_of(workflow)["nodes"]["manual_review"]["config"]["extra_config"] == {
        "prompt": "Content needs manual review."
    }


def test_compilation_example_gives_the_reference_node_ids_with_the_model_as_a_sub_component(user, credential):
    workflow = create(
        user,
        explicit_model(credential)
        + """
trigger:
  type: webhook
steps:
  - id: code_1
    type: code
    snippet: "return {'ok': True}"
  - id: agent_1
    type: agent
    prompt: "Summarize"
""",
    )
    assert node_types(workflow) == {
        "trigger_webhook_1": "trigger_webhook",
        "code_1": "code",
        "agent_1": "agent",
        "agent_1_model": "ai_model",
    }
    nodes = graph_of(workflow)["nodes"]
    assert nodes["agent_1"]["config"]["system_prompt"] == "Summarize"
    assert (
        nodes["agent_1_model"]["config"]["credential_id"],
        nodes["agent_1_model"]["config"]["model_name"],
    ) == (
        credential.pk,
        "gpt-4o",
    )


def test_simple_webhook_handler_example(user):
    workflow = create(
        user,
        """
name: "Health Check Endpoint"
description: "Returns 200 OK for monitoring"
tags: ["health", "monitoring"]
trigger:
  type: webhook
steps:
  - id: respond
    type: code
    snippet: |
      return {"status": "healthy"}
""",
    )
    assert edge_set(workflow) == {("trigger_webhook_1", "respond", "direct", "", "")}
    assert workflow.description == "Returns 200 OK for monitoring"


def test_research_assistant_example_inherits_model_and_tool_settings_from_the_parent_agent(user, credential):
    parent_workflow = build_workflow(
        owner=user,
        nodes={
            "chat": {"component_type": "trigger_chat"},
            "boss": {"component_type": "agent"},
            "boss_model": {
                "component_type": "ai_model",
                "config": {"credential_id": credential.pk, "model_name": "gpt-4o-mini", "temperature": 0.2},
            },
            "boss_search": {
                "component_type": "web_search",
                "config": {"extra_config": {"searxng_url": "http://sx:1"}},
            },
        },
        edges=[
            ("chat", "boss"),
            ("boss_model", "boss", {"edge_label": "llm"}),
            ("boss_search", "boss", {"edge_label": "tool"}),
        ],
    )
    workflow = create(
        user,
        """
name: "Research Assistant"
description: "Agent that can search the web and execute code"
tags: ["research", "agent"]
trigger: none
model:
  inherit: true
steps:
  - id: researcher
    type: agent
    prompt: |
      You are a research assistant.
    tools:
      - type: web_search
        config:
          searxng_url: inherit
      - type: code
      - type: calculator
    memory: true
""",
        parent=Parent.of(parent_workflow, "boss"),
    )
    nodes = graph_of(workflow)["nodes"]
    assert [k for k, n in nodes.items() if n["component_type"].startswith("trigger_")] == [
        "trigger_workflow_1"
    ]
    assert ("trigger_workflow_1", "researcher", "direct", "", "") in edge_set(workflow)
    model = nodes["researcher_model"]["config"]
    assert (model["credential_id"], model["model_name"], model["temperature"]) == (
        credential.pk,
        "gpt-4o-mini",
        0.2,
    )
    assert nodes["researcher_web_search"]["config"]["extra_config"] == {"searxng_url": "http://sx:1"}
    assert {t for s, t, _ty, label, _c in edge_set(workflow) if label == "tool"} == {"researcher"}


def test_workflow_create_page_example_uses_names_string_trigger_and_tool_shorthands(user, credential):
    parent_workflow = build_workflow(
        owner=user,
        nodes={
            "boss": {"component_type": "agent"},
            "m": {
                "component_type": "ai_model",
                "config": {"credential_id": credential.pk, "model_name": "x"},
            },
        },
        edges=[("m", "boss", {"edge_label": "llm"})],
    )
    workflow = create(
        user,
        """
name: "Customer Support Bot"
trigger: chat
steps:
  - name: support_agent
    type: agent
    prompt: |
      You are a customer support agent.
    model: inherit
    tools:
      - web_search
      - http
""",
        parent=Parent.of(parent_workflow, "boss"),
        extra_tags=["support", "customer"],
    )
    assert node_types(workflow) == {
        "trigger_chat_1": "trigger_chat",
        "support_agent": "agent",
        "support_agent_model": "ai_model",
        "support_agent_web_search": "web_search",
        "support_agent_http_request": "http_request",
    }
    assert workflow.tags == ["support", "customer"]
    assert len(edge_set(workflow)) == 4


def test_explicit_next_ends_and_joins_branches_and_transform_renders_a_template(user):
    workflow = create(
        user,
        """
triggers:
  - {type: manual, id: go}
  - {type: webhook, id: hook, next: [b]}
steps:
  - {id: a, type: code, snippet: "return 1", next: []}
  - {id: b, type: transform, template: "Hello {{ trigger.text }}"}
  - {id: c, type: merge, next: [a]}
edges:
  - "a -> c"
""",
    )
    assert edge_set(workflow) == {
        ("go", "a", "direct", "", ""),
        ("hook", "b", "direct", "", ""),
        ("b", "c", "direct", "", ""),
        ("c", "a", "direct", "", ""),
        ("a", "c", "direct", "", ""),
    }
    code = graph_of(workflow)["nodes"]["b"]["config"]["code"]
    assert "Hello {{ trigger.text }}" in code and code.startswith("{% set __dsl_template %}")


def test_transform_code_renders_and_runs_in_the_engine(user):
    from apps.execution.expressions import build_context, resolve_value

    workflow = create(
        user, 'steps:\n  - {id: t, type: transform, template: "Hi {{ trigger.text }} \\"q\\""}\n'
    )
    code = graph_of(workflow)["nodes"]["t"]["config"]["code"]
    rendered = resolve_value(code, build_context(node_outputs={}, trigger={"text": "Bob"}))
    assert rendered == 'return "Hi Bob \\"q\\""'


def test_loop_example_wires_the_body_with_loop_body_and_loop_return_edges(user):
    workflow = create(
        user,
        """
steps:
  - id: fetch
    type: code
    snippet: "return [{'name': 'a'}, {'name': 'b'}]"
  - id: process_items
    type: loop
    over: "{{ fetch.output }}"
    max_iterations: 100
    body:
      - id: transform_item
        type: code
        snippet: |
          return {"processed": input["name"].upper()}
      - id: store_item
        type: http
        url: "https://api.example.com/items"
        method: POST
        body: "{{ transform_item.output }}"
  - id: report
    type: code
    snippet: "return input"
""",
    )
    assert edge_set(workflow) == {
        ("trigger_chat_1", "fetch", "direct", "", ""),
        ("fetch", "process_items", "direct", "", ""),
        ("process_items", "transform_item", "direct", "loop_body", ""),
        ("transform_item", "store_item", "direct", "", ""),
        ("store_item", "process_items", "direct", "loop_return", ""),
        ("process_items", "report", "direct", "", ""),
    }
    nodes = graph_of(workflow)["nodes"]
    assert nodes["process_items"]["config"]["extra_config"] == {
        "items": "{{ fetch.output }}",
        "max_iterations": 100,
    }
    assert nodes["transform_item"]["position"][1] > nodes["process_items"]["position"][1]  # body drawn below


def test_subworkflow_step_links_the_workflow_by_slug_with_its_payload(user):
    child = create(
        user, "name: moltbook-verify\ntrigger: none\nsteps:\n  - {id: v, type: code, snippet: 'return 1'}\n"
    )
    workflow = create(
        user,
        """
steps:
  - id: verify
    type: workflow
    slug: "moltbook-verify"
    payload:
      token: "{{ trigger.payload.verify_token }}"
""",
    )
    verify = graph_of(workflow)["nodes"]["verify"]
    assert verify["component_type"] == "workflow" and verify["subworkflow_id"] == child.pk
    assert verify["config"]["input_mapping"] == {"token": "{{ trigger.payload.verify_token }}"}


def test_subworkflow_slug_must_be_visible_to_the_owner(user):
    from apps.workflows.dsl.errors import DslInvalid
    from tests.factories import UserFactory

    create(UserFactory(), "name: secret\nsteps:\n  - {id: v, type: code, snippet: 'return 1'}\n")
    with pytest.raises(DslInvalid) as caught:
        create(user, "steps:\n  - {id: s, type: workflow, slug: secret}\n")
    assert [str(p) for p in caught.value.problems] == ["steps[0].slug: Workflow 'secret' not found."]
