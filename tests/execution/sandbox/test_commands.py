"""Shell commands in the sandbox: workspace, limits, isolation, output caps, timeouts."""

import os
from pathlib import Path

import pytest

from apps.execution.sandbox import get_zygote
from apps.execution.sandbox.commands import CommandLimits, bwrap_argv, run_command, sandbox_mode

ROOT = os.geteuid() == 0
as_root = pytest.mark.skipif(not ROOT, reason="uid switch and mount namespace need root")


@pytest.fixture
def workspace(tmp_path):
    path = tmp_path / "ws"
    path.mkdir()
    if ROOT:
        os.chown(path, 201_234, 201_234)
    path.chmod(0o700)
    return path


def sh(command, workspace, **kwargs):
    limits = CommandLimits(**{"timeout_seconds": 10, **kwargs.pop("limits", {})})
    return run_command(["/bin/sh", "-c", command], workspace=workspace, limits=limits, uid=201_234, **kwargs)


def test_a_command_runs_in_the_workspace_with_an_empty_environment(workspace):
    result = sh("pwd; echo kept > note.txt; env | sort", workspace)

    assert result.ok, result
    lines = result.stdout.splitlines()
    assert lines[0] == str(workspace)
    assert (workspace / "note.txt").read_text() == "kept\n"
    env = dict(line.split("=", 1) for line in lines[1:])
    assert set(env) - {"PWD", "SHLVL", "_", "OLDPWD"} == {"HOME", "LANG", "PATH", "TMPDIR"}
    assert env["HOME"] == str(workspace)
    assert "REDIS_URL" not in result.stdout and "DJANGO" not in result.stdout


def test_stdout_stderr_and_the_exit_code_come_back(workspace):
    result = sh("echo out; echo err >&2; exit 3", workspace)

    assert (result.stdout, result.stderr, result.exit_code, result.ok) == ("out\n", "err\n", 3, False)


def test_a_command_past_its_timeout_is_killed_with_its_children(workspace):
    result = sh("sleep 30 & sleep 30", workspace, limits={"timeout_seconds": 1})

    assert result.timed_out and result.exit_code is None
    assert result.duration_ms < 5_000


def test_background_jobs_do_not_hold_the_result_back(workspace):
    result = sh("sleep 30 & echo started", workspace)

    assert result.ok and result.stdout == "started\n" and result.duration_ms < 5_000


def test_long_output_keeps_its_head_and_tail(workspace):
    result = sh(
        "echo first; yes filler | head -n 100000; echo last", workspace, limits={"max_output_bytes": 1000}
    )

    assert result.ok
    assert result.stdout.startswith("first\n") and result.stdout.endswith("last\n")
    assert "bytes truncated" in result.stdout and len(result.stdout) < 1200


def test_the_network_is_isolated(workspace):
    result = sh("cat /proc/net/dev | wc -l", workspace)

    assert result.isolation["network_isolated"] is True
    assert int(result.stdout) == 3  # header lines + the loopback device only


def test_commands_may_create_sockets_in_a_network_namespace_of_their_own(workspace):
    # Unlike code snippets (socket(2) refused, in the fork server's shared empty namespace): tools such
    # as bwrap configure the loopback over netlink, so a command gets a namespace to itself instead.
    probe = "import socket; socket.socket(socket.AF_NETLINK, socket.SOCK_RAW); print('created')"
    result = sh(f'python3 -c "{probe}" && readlink /proc/self/ns/net', workspace)
    assert result.ok, result.stderr
    created, namespace = result.stdout.split()
    assert created == "created"
    fork_server = os.readlink(f"/proc/{get_zygote().popen.pid}/ns/net")
    assert namespace not in (os.readlink("/proc/self/ns/net"), fork_server)


@as_root
def test_the_command_runs_as_the_workspace_uid_and_cannot_see_hidden_paths(workspace, tmp_path):
    secret = tmp_path / "project"
    secret.mkdir()
    (secret / "db.sqlite3").write_text("secret rows")
    (secret / "db.sqlite3").chmod(0o644)

    (tmp_path / "other-tmp-file").write_text("x")

    result = sh(f"id -u; ls -A {secret} | wc -l; ls -A {tmp_path}", workspace, hidden=(str(secret),))

    assert result.ok, result
    # The project looks empty; /tmp is private (only the path down to the workspace exists there).
    assert result.stdout.split() == ["201234", "0", "ws"]
    assert result.isolation["filesystem_isolated"] is True


@as_root
def test_a_workspace_below_a_hidden_path_stays_visible(tmp_path):
    hidden = tmp_path / "var"
    workspace = hidden / "workspaces" / "w1"
    workspace.mkdir(parents=True)
    (workspace / "data.txt").write_text("mine")
    (hidden / "other.txt").write_text("not mine")

    result = sh("cat data.txt; echo; ls ../..", workspace, hidden=(str(hidden),))

    assert result.stdout == "mine\nworkspaces\n"


def test_limits_apply_to_the_command(workspace):
    result = sh("head -c 3000000 /dev/zero > big.bin", workspace, limits={"max_file_mb": 1})

    assert result.exit_code != 0
    assert (workspace / "big.bin").stat().st_size <= 1024 * 1024


def test_a_missing_program_is_an_error_not_a_crash(workspace):
    result = run_command(
        ["/nonexistent/program"], workspace=workspace, limits=CommandLimits(timeout_seconds=5)
    )

    assert result.error and "nonexistent" in result.error


def test_bwrap_wraps_the_command_with_the_workspace_at_slash_workspace():
    argv = bwrap_argv(["/bin/sh", "-c", "ls"], Path("/srv/ws"))

    assert argv[0] == "/usr/bin/bwrap" and "--unshare-all" in argv and "--clearenv" in argv
    assert argv[argv.index("--bind") + 1 : argv.index("--bind") + 3] == ["/srv/ws", "/workspace"]
    assert argv[-3:] == ["/bin/sh", "-c", "ls"]
    assert sandbox_mode() == ("bwrap" if os.access("/usr/bin/bwrap", os.X_OK) else "rlimit")
