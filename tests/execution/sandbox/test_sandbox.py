"""The code sandbox: a separate fresh interpreter per snippet, limits, empty env, warm pool."""

import os
import socket
import time

import pytest

from apps.execution.sandbox import Limits, SandboxPool, run_snippet


@pytest.fixture(scope="module")
def warm_pool():
    pool = SandboxPool(size=2)
    assert pool.wait_ready(timeout=20)
    yield pool
    pool.close()


@pytest.fixture(params=["forkserver", "pool"])
def pool(request, warm_pool):
    """`pool=` argument for run_snippet: None uses the fork server, else the warm pool."""
    return None if request.param == "forkserver" else warm_pool


def test_result_variable_return_and_stdout_are_the_output(pool):
    assert run_snippet("result = {'a': [1, 2.5, None, True]}", pool=pool).output == {
        "a": [1, 2.5, None, True]
    }
    assert (
        run_snippet(
            "x = node_outputs['n']['v']\nreturn x * 2", {"node_outputs": {"n": {"v": 21}}}, pool=pool
        ).output
        == 42
    )
    printed = run_snippet("print('a')\nprint('b')", pool=pool)
    assert printed.ok and printed.output == "a\nb" and printed.stdout == "a\nb\n"


def test_variables_already_encoded_are_the_snippets_globals(pool):
    encoded = '{"node_outputs": {"n": {"v": 21}}, "text": "h\\u00e9 \\"q\\""}'
    got = run_snippet("return [node_outputs['n']['v'] * 2, text]", variables_json=encoded, pool=pool)
    assert got.ok and got.output == [42, 'hé "q"']
    as_dict = run_snippet("return sorted(globals())", {"b": 1, "a": 2}, pool=pool).output
    assert (
        as_dict
        == run_snippet("return sorted(globals())", variables_json='{"b": 1, "a": 2}', pool=pool).output
    )


def test_the_child_gets_an_empty_environment(pool, monkeypatch):
    monkeypatch.setenv("PIPELIT_SECRET_FOR_TEST", "s3cret")
    if pool is None:
        from apps.execution.sandbox import get_zygote

        get_zygote().close()  # the next call starts a new fork server under the new environment
    else:
        pool = SandboxPool(size=0)  # a process started now
    result = run_snippet("import os\nresult = sorted(os.environ)", pool=pool)
    assert result.ok
    assert "PIPELIT_SECRET_FOR_TEST" not in result.output
    assert not {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "FIELD_ENCRYPTION_KEY"} & set(result.output)


def test_the_child_cannot_import_django_or_project_code(pool):
    result = run_snippet("import django", pool=pool)
    assert not result.ok and result.error_code == "runtime_error" and "ModuleNotFoundError" in result.error
    result = run_snippet(
        "import sys\nresult = sorted(m for m in sys.modules if m.startswith(('django', 'apps', 'pipelit')))",
        pool=pool,
    )
    assert result.output == []


@pytest.fixture
def listening_port():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


def test_snippets_cannot_reach_loopback_services_like_redis_or_the_database(pool, listening_port):
    code = f"import socket\ns = socket.socket()\ns.connect(('127.0.0.1', {listening_port}))\nresult = 'connected'"
    result = run_snippet(code, pool=pool)
    assert not result.ok and result.error == "PermissionError: [Errno 1] Operation not permitted"
    assert result.extra["network_isolated"] is True


def test_snippets_cannot_open_unix_sockets_to_reach_each_other(pool):
    # Forked children share the fork server's empty network namespace; abstract unix sockets would
    # let two executions' snippets talk there, so no snippet may create a socket of any family.
    code = "import socket\ns = socket.socket(socket.AF_UNIX)\ns.bind(b'\\0pipelit-probe')\nresult = 'bound'"
    result = run_snippet(code, pool=pool)
    assert not result.ok and "Operation not permitted" in result.error


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="x86_64 syscall numbers")
def test_the_other_ways_to_a_socket_are_refused_too(pool):
    # io_uring can open sockets without socket(2); the x32 ABI numbers reach the same calls
    code = (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nresult = []\n"
        "for nr in (425, 0x40000000 + 41):\n"
        "    ret = libc.syscall(nr, 1, 1, 0)\n"
        "    result.append([ret, ctypes.get_errno()])\n"
    )
    assert run_snippet(code, pool=pool).output == [[-1, 1], [-1, 1]]


def test_a_socket_pair_within_the_snippet_still_works(pool):
    code = "import socket\na, b = socket.socketpair()\na.sendall(b'hi')\nresult = b.recv(2).decode()"
    assert run_snippet(code, pool=pool).output == "hi"


def test_each_snippet_runs_in_its_own_throwaway_directory(pool):
    first = run_snippet("import os\nopen('note.txt', 'w').write('x')\nresult = os.getcwd()", pool=pool)
    second = run_snippet("import os\nresult = [os.getcwd(), os.listdir('.')]", pool=pool)
    assert first.output != second.output[0] and second.output[1] == []
    deadline = time.monotonic() + 5
    while os.path.exists(first.output) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not os.path.exists(first.output)


def test_each_process_runs_one_snippet_so_state_does_not_leak(pool):
    run_snippet("import builtins\nbuiltins.leak = 'x'", pool=pool)
    assert run_snippet("import builtins\nresult = hasattr(builtins, 'leak')", pool=pool).output is False


@pytest.mark.skipif(os.geteuid() != 0, reason="privileges are dropped only when the worker runs as root")
def test_root_privileges_are_dropped(pool):
    assert run_snippet("import os\nresult = [os.getuid(), os.getgid()]", pool=pool).output == [65534, 65534]


def test_an_endless_loop_is_stopped_and_the_caller_survives(pool):
    started = time.monotonic()
    result = run_snippet("while True:\n    pass", limits=Limits(timeout_seconds=1.0), pool=pool)
    assert not result.ok and result.error_code == "timeout"
    assert time.monotonic() - started < 3
    assert run_snippet("result = 'still here'", pool=pool).output == "still here"


def test_cpu_limit_stops_a_busy_snippet_even_with_a_long_wall_clock(pool):
    result = run_snippet("while True:\n    pass", limits=Limits(timeout_seconds=20, cpu_seconds=1), pool=pool)
    assert not result.ok and result.error_code == "timeout" and result.duration_ms < 5000


def test_the_child_itself_reports_its_cpu_limit(pool):
    # The SIGXCPU handler is installed once, in the fork server (or the pooled interpreter), and
    # inherited: without it the soft limit would kill the child and only the caller's guess remain.
    result = run_snippet("while True:\n    pass", limits=Limits(timeout_seconds=20, cpu_seconds=1), pool=pool)
    assert result.error == "snippet exceeded its CPU time limit"


def test_a_10_gb_allocation_is_stopped_as_memory_limit(pool):
    result = run_snippet("x = bytearray(10 * 1024 ** 3)", pool=pool)
    assert not result.ok and result.error_code == "memory_limit"
    growing = run_snippet(
        "x = []\nwhile True:\n    x.append(' ' * 10_000_000)", limits=Limits(memory_mb=128), pool=pool
    )
    assert not growing.ok and growing.error_code == "memory_limit"


def test_open_file_limit_applies(pool):
    code = "files = [open(f'f{i}', 'w') for i in range(100)]"
    result = run_snippet(code, limits=Limits(max_open_files=16), pool=pool)
    assert not result.ok and "Too many open files" in result.error


def test_runtime_errors_come_back_with_the_snippet_traceback(pool):
    result = run_snippet("def f():\n    return 1 / 0\nf()", pool=pool)
    assert result.error_code == "runtime_error" and result.error == "ZeroDivisionError: division by zero"
    assert 'File "<code>", line 2' in result.traceback and "child.py" not in result.traceback
    syntax = run_snippet("def (:", pool=pool)
    assert syntax.error_code == "runtime_error" and "SyntaxError" in syntax.error


def test_non_json_results_are_invalid_output(pool):
    result = run_snippet("result = object()", pool=pool)
    assert not result.ok and result.error_code == "invalid_output"


def test_flooding_the_raw_stdout_cannot_flood_the_caller(pool):
    code = "import os\nwhile True:\n    os.write(1, b'x' * 65536)"
    result = run_snippet(code, limits=Limits(timeout_seconds=1), pool=pool)
    # pool: fd 1 is the answer pipe, cut at the size cap; fork server: fd 1 is /dev/null, so it times out
    assert not result.ok and result.error_code == ("timeout" if pool is None else "invalid_output")


def test_exit_calls_are_reported_not_fatal(pool):
    result = run_snippet("raise SystemExit(3)", pool=pool)
    assert not result.ok and result.error_code == "runtime_error" and "SystemExit" in result.error


def test_warm_and_forked_processes_are_faster_than_cold_ones(warm_pool):
    assert warm_pool.wait_ready(timeout=20)
    warm = run_snippet("result = 1", pool=warm_pool)
    forked = run_snippet("result = 1")
    cold = run_snippet("result = 1", pool=SandboxPool(size=0))
    assert warm.cold_start is False and forked.cold_start is False and cold.cold_start is True
    assert forked.extra["backend"] == "forkserver" and warm.extra["backend"] == "pool"
    assert warm.duration_ms < cold.duration_ms and forked.duration_ms < cold.duration_ms


def test_a_dead_fork_server_is_replaced():
    from apps.execution.sandbox import get_zygote

    get_zygote().close()
    assert run_snippet("result = 2").output == 2


def test_forked_children_inherit_no_threading_module_from_the_fork_server():
    # threading's after-fork hook would run in every child; only command requests import subprocess
    assert run_snippet("import sys\nresult = 'threading' in sys.modules").output is False


def test_each_forked_child_gets_its_own_random_state():
    draws = {run_snippet("import random\nresult = random.random()").output for _ in range(3)}
    assert len(draws) == 3


def test_the_fork_servers_warm_up_leaves_nothing_behind(capsys):
    import sys

    from apps.execution.sandbox import child

    stdout = sys.stdout
    child._warm_up()  # run once in the fork server, before any child is forked
    assert sys.stdout is stdout
    assert capsys.readouterr().out == ""
    first = run_snippet("result = sorted(k for k in globals() if not k.startswith('__'))", {"a": 1})
    assert first.output == ["a"]


def test_a_forked_child_reads_each_request_line_whole():
    import os

    from apps.execution.sandbox import child

    read, write = os.pipe()
    try:
        big = b"x" * 300_000  # several reads of 64 KiB
        os.write(write, b"first\nsec")
        line, rest = child._read_line(read, b"")
        assert (line, rest) == (b"first\n", b"sec")
        writer = os.fork()
        if writer == 0:  # the pipe holds less than the line: write it from another process
            os.close(read)
            os.write(write, b"ond\n" + big + b"\ntail")
            os._exit(0)
        line, rest = child._read_line(read, rest)
        assert line == b"second\n" and big.startswith(rest)  # what was read past it is kept
        line, rest = child._read_line(read, rest)
        assert line == big + b"\n"
        os.waitpid(writer, 0)
        os.close(write)
        write = None
        assert child._read_line(read, rest) == (b"tail", b"")  # end of input: what came before it
        assert child._read_line(read, b"") == (b"", b"")
    finally:
        os.close(read)
        if write is not None:
            os.close(write)
