"""AI nodes end to end: chat/webhook -> a real Celery worker -> the real OpenAI client -> the fake server."""

import shutil
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from apps.execution.models import ExecutionLog
from tests.conftest import client_for
from tests.execution.builders import build_workflow
from tests.factories import LLMCredentialFactory, UserFactory
from tests.integration.test_engine_flows import run_and_wait, wait_finished
from tests.integration.test_realtime import Socket

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def model(credential):
    return {
        "component_type": "ai_model",
        "config": {"credential_id": credential.pk, "model_name": "gpt-4o-mini", "max_retries": 0},
    }


def test_chat_message_runs_the_agent_with_tools_and_records_answer_history_events_and_cost(
    asgi_server, celery_worker, fake_openai
):
    owner = client_for(UserFactory(username="ai-chat"))
    credential = LLMCredentialFactory(base_url=fake_openai.url + "/v1", api_key="sk-test")
    workflow = build_workflow(
        owner=owner.user,
        nodes={
            "chat": {"component_type": "trigger_chat"},
            "agent": {
                "component_type": "agent",
                "config": {
                    "system_prompt": "You answer with the calculator.",
                    "extra_config": {"conversation_memory": True},
                },
            },
            "model": model(credential),
            "calc": {"component_type": "calculator"},
            "clock": {"component_type": "datetime"},
        },
        edges=[
            ("chat", "agent"),
            ("model", "agent", {"edge_label": "llm"}),
            ("calc", "agent", {"edge_label": "tool"}),
            ("clock", "agent", {"edge_label": "tool"}),
        ],
    )
    headers = {"Authorization": f"Bearer {owner.raw_key}"}
    chat_url = f"{asgi_server.url}/api/v1/workflows/{workflow.slug}/chat/"
    # A first turn (also loads LangChain in the worker, which happens on a worker's first AI run).
    fake_openai.reply("Hello! Ask me anything.", usage=(50, 5))
    first = httpx.post(chat_url, json={"text": "Hi"}, headers=headers, timeout=10).json()
    assert wait_finished(first["execution_id"], timeout=60).status == "completed"

    fake_openai.tool_call("calculator", {"expression": "2*21"}, usage=(200, 20))
    fake_openai.reply("2*21 is 42.", usage=(250, 10))
    socket = Socket(asgi_server.ws_url, owner.raw_key)
    assert socket.subscribe(f"workflow:{workflow.slug}")["type"] == "subscribed"
    response = httpx.post(chat_url, json={"text": "What is 2 times 21?"}, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    events = socket.events_until(
        lambda e: e["type"] in ("execution_completed", "execution_failed"), timeout=60
    )
    socket.close()
    execution = wait_finished(response.json()["execution_id"])

    assert execution.status == "completed", execution.error_message
    assert execution.final_output["output"] == "2*21 is 42."
    node_events = [(e["data"]["node_id"], e["data"]["status"]) for e in events if e["type"] == "node_status"]
    assert node_events == [
        ("chat", "running"),
        ("chat", "success"),
        ("agent", "running"),
        ("calc", "running"),
        ("calc", "success"),
        ("agent", "success"),
    ]
    calc_success = next(
        e
        for e in events
        if e["type"] == "node_status" and e["data"]["node_id"] == "calc" and e["data"]["status"] == "success"
    )
    assert calc_success["data"]["output"] == {"result": "42"}
    assert calc_success["execution_id"] == response.json()["execution_id"]
    assert calc_success["channel"] == f"workflow:{workflow.slug}"
    assert events[-1]["data"]["final_output"]["output"] == "2*21 is 42."
    # The tool really ran in the worker: its result went back to the model.
    asked, answered = (r.body["messages"] for r in fake_openai.chat_requests[1:])
    assert [m["content"] for m in asked] == [
        "You answer with the calculator.",
        "Hi",
        "Hello! Ask me anything.",
        "What is 2 times 21?",
    ]
    assert {"role": "tool", "content": "42", "tool_call_id": answered[-1]["tool_call_id"]} == answered[-1]
    # Tokens and cost of both calls are on the execution.
    assert execution.total_tokens == 480 and execution.llm_calls == 2
    # 450 in + 30 out at gpt-4o-mini prices = $0.0000855, stored with 6 decimal places.
    assert abs(execution.total_cost_usd - Decimal("0.0000855")) <= Decimal("0.0000005")
    log = ExecutionLog.objects.get(execution=execution, node_id="agent")
    trace = log.metadata["directives"]["_trace"]
    assert [m["role"] for m in trace] == ["system", "human", "ai", "tool", "ai"]
    assert trace[3]["node_id"] == "calc" and trace[3]["status"] == "success" and trace[3]["content"] == "42"
    # The exchange is in the caller's chat history.
    history = owner.get(f"/api/v1/workflows/{workflow.slug}/chat/history/").json()
    assert [(m["role"], m["text"]) for m in history["messages"]] == [
        ("user", "Hi"),
        ("assistant", "Hello! Ask me anything."),
        ("user", "What is 2 times 21?"),
        ("assistant", "2*21 is 42."),
    ]
    assert history["thread_id"] == f"{owner.user.pk}:{workflow.pk}" and history["has_more"] is False


def test_categorizer_routes_a_webhook_payload_to_one_of_three_branches(
    api_client, celery_worker, fake_openai
):
    credential = LLMCredentialFactory(base_url=fake_openai.url + "/v1", api_key="sk-test")
    categories = [{"name": n} for n in ("billing", "technical", "general")]
    nodes = {
        "hook": {"component_type": "trigger_webhook"},
        "cat": {"component_type": "categorizer", "config": {"extra_config": {"categories": categories}}},
        "model": model(credential),
    }
    edges = [("hook", "cat"), ("model", "cat", {"edge_label": "llm"})]
    for name in ("billing", "technical", "general"):
        nodes[name] = {"component_type": "code", "config": {"code": f"result = '{name} team'"}}
        edges.append(("cat", name, {"edge_type": "conditional", "condition_value": name}))
    workflow = build_workflow(owner=api_client.user, nodes=nodes, edges=edges)
    fake_openai.reply('{"category": "billing"}', usage=(60, 5))

    response = api_client.post(
        f"/api/v1/webhooks/{workflow.slug}/", {"text": "I was charged twice"}, format="json"
    )
    assert response.status_code in (200, 202), response.content
    execution = wait_finished(response.json()["execution_id"])

    assert execution.status == "completed", execution.error_message
    assert execution.final_output == {"output": "billing team"}
    statuses = {log.node_id: log.status for log in ExecutionLog.objects.filter(execution=execution)}
    assert statuses == {
        "hook": "success",
        "cat": "success",
        "billing": "success",
        "technical": "skipped",
        "general": "skipped",
    }
    assert "I was charged twice" in str(fake_openai.chat_requests[0].body["messages"])
    assert execution.llm_calls == 1 and execution.total_tokens == 65


def test_extractor_returns_schema_valid_json_or_fails_with_invalid_output(
    api_client, celery_worker, fake_openai
):
    credential = LLMCredentialFactory(base_url=fake_openai.url + "/v1", api_key="sk-test")
    schema = {"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]}
    workflow = build_workflow(
        owner=api_client.user,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "extract": {"component_type": "extractor", "config": {"extra_config": {"schema": schema}}},
            "model": model(credential),
        },
        edges=[("trigger", "extract"), ("model", "extract", {"edge_label": "llm"})],
    )
    fake_openai.reply('{"email": "ada@example.com"}')
    execution = run_and_wait(api_client, workflow.slug, {"text": "Mail ada@example.com"})
    assert execution.status == "completed", execution.error_message
    assert execution.final_output == {"extracted": {"email": "ada@example.com"}}

    fake_openai.reply("no email here")
    fake_openai.reply('{"mail": "?"}')
    execution = run_and_wait(api_client, workflow.slug, {"text": "nothing"})
    assert execution.status == "failed" and execution.error_code == "invalid_output"
    assert len(fake_openai.chat_requests) == 3


def test_agent_runs_a_shell_command_in_the_workflows_sandboxed_workspace(
    api_client, celery_worker, fake_openai
):
    credential = LLMCredentialFactory(base_url=fake_openai.url + "/v1", api_key="sk-test")
    workflow = build_workflow(
        owner=api_client.user,
        nodes={
            "trigger": {"component_type": "trigger_manual"},
            "agent": {"component_type": "agent"},
            "model": model(credential),
            "shell": {"component_type": "run_command", "config": {"extra_config": {"timeout": 20}}},
            "code": {"component_type": "code_execute"},
        },
        edges=[
            ("trigger", "agent"),
            ("model", "agent", {"edge_label": "llm"}),
            ("shell", "agent", {"edge_label": "tool"}),
            ("code", "agent", {"edge_label": "tool"}),
        ],
    )
    workspace = Path(settings.PIPELIT_WORKSPACES_DIR) / f"workflow-{workflow.pk}"
    shutil.rmtree(workspace, ignore_errors=True)
    try:
        fake_openai.tool_call("run_command", {"command": "echo 6*7 > question.txt && pwd && env | wc -l"})
        fake_openai.tool_call(
            "code_execute", {"code": "print(eval_me := open('question.txt').read().strip())"}
        )
        fake_openai.reply("Stored the question.")
        execution = run_and_wait(api_client, workflow.slug, {"text": "store 6*7"})

        assert execution.status == "completed", execution.error_message
        assert execution.final_output["output"] == "Stored the question."
        shell_answer = fake_openai.chat_requests[1].body["messages"][-1]["content"]
        assert shell_answer.splitlines() == [str(workspace), "5"]  # PWD + PATH, HOME, TMPDIR, LANG
        code_answer = fake_openai.chat_requests[2].body["messages"][-1]["content"]
        assert code_answer.startswith("stdout:\n6*7\n") and "exit_code: 0" in code_answer
        assert (workspace / "question.txt").read_text() == "6*7\n"
        trace = ExecutionLog.objects.get(execution=execution, node_id="agent").metadata["directives"][
            "_trace"
        ]
        tools = [(item["node_id"], item["status"]) for item in trace if item["role"] == "tool"]
        assert tools == [("shell", "success"), ("code", "success")]
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
