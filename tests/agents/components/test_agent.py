"""The agent node: tool loop through the real OpenAI client against the fake server."""

import json

from apps.execution.models import WorkflowExecution
from tests.agents.components.conftest import model_node
from tests.factories import UserFactory, WorkflowFactory


def agent_graph(credential, *, tools=("calculator", "datetime"), **agent_config):
    nodes = [
        {"id": "trigger", "type": "trigger_manual"},
        {"id": "agent", "type": "agent", "config": {"system_prompt": "You do sums.", **agent_config}},
        model_node(credential),
    ]
    edges = ["trigger -> agent", {"source": "model", "target": "agent", "label": "llm"}]
    for tool in tools:
        nodes.append({"id": f"t_{tool}", "type": tool, "config": {}})
        edges.append({"source": f"t_{tool}", "target": "agent", "label": "tool"})
    return {"nodes": nodes, "edges": edges}


def test_agent_calls_the_calculator_and_answers_with_the_result(credential, fake_openai, run_ai):
    fake_openai.tool_call("calculator", {"expression": "2*21"}, usage=(100, 20))
    fake_openai.reply("The answer is 42.", usage=(130, 8))

    outcome, reporter = run_ai(agent_graph(credential), {"text": "What is 2*21?"})

    assert outcome.status == "completed", outcome.error
    assert outcome.final_output["output"] == "The answer is 42."
    # Two model calls; the second carried the tool result and both tools were offered.
    first, second = (r.body for r in fake_openai.chat_requests)
    assert {t["function"]["name"] for t in first["tools"]} == {"calculator", "get_datetime"}
    assert first["messages"][0] == {"role": "system", "content": "You do sums."}
    assert first["messages"][1]["content"] == "What is 2*21?"
    assert any(m.get("role") == "tool" and m.get("content") == "42" for m in second["messages"])
    # Usage summed over both calls, priced with gpt-4o-mini's list price.
    usage = outcome.token_usage
    assert usage["input_tokens"] == 230 and usage["output_tokens"] == 28 and usage["total_tokens"] == 258
    assert usage["llm_calls"] == 2
    assert abs(usage["cost_usd"] - (230 * 0.15 + 28 * 0.60) / 1_000_000) < 1e-12
    # Only the final answer enters the shared messages; the full trace is in the result metadata.
    assert [m.content for m in outcome.messages] == ["The answer is 42."]
    trace = outcome.node_results["agent"].metadata["directives"]["_trace"]
    assert [item["role"] for item in trace] == ["system", "human", "ai", "tool", "ai"]
    assert trace[2]["tool_calls"][0]["name"] == "calculator" and trace[3]["content"] == "42"
    json.dumps(trace)


def test_agent_uses_the_upstream_output_as_its_input(credential, fake_openai, run_ai):
    graph = agent_graph(credential, tools=())
    graph["nodes"].append({"id": "prep", "type": "code", "config": {"code": "result = 'from upstream'"}})
    graph["edges"] = ["trigger -> prep", "prep -> agent", graph["edges"][1]]
    fake_openai.reply("ok")

    outcome, _ = run_ai(graph, {"text": "ignored"})

    assert outcome.status == "completed", outcome.error
    assert fake_openai.chat_requests[0].body["messages"][-1]["content"] == "from upstream"
    assert "tools" not in fake_openai.chat_requests[0].body


def test_a_provider_error_fails_the_node_with_the_llm_error_code(credential, fake_openai, run_ai):
    fake_openai.error(401, "bad key")

    outcome, _ = run_ai(agent_graph(credential), {"text": "hi"})

    assert outcome.status == "failed"
    assert outcome.error_code == "llm_auth_error"
    assert outcome.node_results["agent"].error_code == "llm_auth_error"


def test_an_agent_without_a_model_fails_with_missing_model(credential, run_ai):
    graph = agent_graph(credential, tools=())
    graph["edges"] = ["trigger -> agent"]

    outcome, _ = run_ai(graph, {"text": "hi"})

    assert outcome.status == "failed" and outcome.error_code == "missing_model"


def test_a_tool_error_goes_back_to_the_model_and_the_loop_continues(credential, fake_openai, run_ai):
    fake_openai.tool_call("calculator", {"expression": "1/0"})
    fake_openai.reply("Division by zero is undefined.")

    outcome, _ = run_ai(agent_graph(credential), {"text": "1/0?"})

    assert outcome.status == "completed", outcome.error
    tool_message = next(m for m in fake_openai.chat_requests[1].body["messages"] if m.get("role") == "tool")
    assert tool_message["content"].startswith("Error")


def test_the_loop_stops_after_max_iterations(credential, fake_openai, run_ai):
    for _ in range(3):
        fake_openai.tool_call("calculator", {"expression": "1+1"})

    outcome, _ = run_ai(agent_graph(credential, max_iterations=2), {"text": "loop"})

    assert outcome.status == "failed" and outcome.error_code == "max_iterations"
    assert len(fake_openai.chat_requests) == 2


def test_conversation_memory_replays_earlier_turns_of_the_thread(credential, fake_openai, run_ai):
    user = UserFactory()
    workflow = WorkflowFactory(owner=user)
    graph = agent_graph(credential, tools=(), conversation_memory=True)
    fake_openai.reply("Nice to meet you, Ada.")
    fake_openai.reply("Your name is Ada.")

    for text in ["My name is Ada.", "What is my name?"]:
        execution = WorkflowExecution.objects.create(
            workflow=workflow, trigger_node_key="trigger", thread_id=f"{user.pk}:{workflow.pk}"
        )
        outcome, _ = run_ai(graph, {"text": text}, execution_id=str(execution.execution_id))
        assert outcome.status == "completed", outcome.error

    second = fake_openai.chat_requests[1].body["messages"]
    assert [m["content"] for m in second[1:]] == [
        "My name is Ada.",
        "Nice to meet you, Ada.",
        "What is my name?",
    ]


def test_the_http_request_step_attached_as_a_tool_is_called_by_the_agent(credential, fake_openai, run_ai):
    graph = agent_graph(credential, tools=("http_request",))
    fake_openai.tool_call("http_request", {"url": fake_openai.url + "/v1/models"})
    fake_openai.reply("The server lists two models.")

    outcome, reporter = run_ai(graph, {"text": "What models are there?"})

    assert outcome.status == "completed", outcome.error
    assert "t_http_request" not in reporter.statuses()  # a tool, not a step of the flow
    tool_message = fake_openai.chat_requests[1].body["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["content"].startswith("HTTP 200")
    assert "gpt-4o-mini" in tool_message["content"]


def node_status_events(sent, node_id):
    return [data for kind, data in sent if kind == "node_status" and data["node_id"] == node_id]


def test_each_tool_call_reports_running_then_success_for_the_tool_node(
    credential, fake_openai, run_ai, events
):
    fake_openai.tool_call("calculator", {"expression": "2*21"})
    fake_openai.reply("42.")

    outcome, _ = run_ai(agent_graph(credential), {"text": "2*21?"}, execution_id="exec-tools")

    assert outcome.status == "completed", outcome.error
    calc = node_status_events(events, "t_calculator")
    assert [e["status"] for e in calc] == ["running", "success"]
    assert calc[1] == {
        "execution_id": "exec-tools",
        "node_id": "t_calculator",
        "status": "success",
        "output": {"result": "42"},
    }
    assert node_status_events(events, "t_datetime") == []  # offered but not called
    channels = {tuple(c) for c, kind, _ in events.raw if kind == "node_status"}
    assert channels == {("workflow:fixture", "execution:exec-tools")}
    # The agent's trace says which node answered each call, how it went and how long it took.
    tool_item = outcome.node_results["agent"].metadata["directives"]["_trace"][3]
    assert tool_item["node_id"] == "t_calculator" and tool_item["status"] == "success"
    assert tool_item["duration_ms"] >= 0


def test_a_failing_tool_reports_failed_with_tool_error(credential, fake_openai, run_ai, events):
    fake_openai.tool_call("calculator", {"expression": "1/0"})
    fake_openai.reply("Undefined.")

    outcome, _ = run_ai(agent_graph(credential), {"text": "1/0?"})

    assert outcome.status == "completed", outcome.error
    running, failed = node_status_events(events, "t_calculator")
    assert running["status"] == "running"
    assert failed["status"] == "failed" and failed["error_code"] == "tool_error"
    assert failed["error"].startswith("Error")
    assert outcome.node_results["agent"].metadata["directives"]["_trace"][3]["status"] == "failed"


def test_a_sub_component_on_the_memory_edge_becomes_a_tool_of_the_agent(
    credential, fake_openai, run_ai, events
):
    graph = agent_graph(credential, tools=())
    graph["nodes"].append({"id": "recall", "type": "calculator", "config": {}})
    graph["edges"].append({"source": "recall", "target": "agent", "label": "memory"})
    fake_openai.tool_call("calculator", {"expression": "40+2"})
    fake_openai.reply("42")

    outcome, _ = run_ai(graph, {"text": "sum"})

    assert outcome.status == "completed", outcome.error
    assert [t["function"]["name"] for t in fake_openai.chat_requests[0].body["tools"]] == ["calculator"]
    assert [d["status"] for d in node_status_events(events, "recall")] == ["running", "success"]
