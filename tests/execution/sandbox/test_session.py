"""Sandbox sessions: one execution's snippets share warm processes; executions never do."""

import time

from apps.execution.sandbox import Limits, run_snippet
from apps.execution.sandbox.session import current_session, sandbox_session
from apps.execution.services.recovery import _pid_alive

PID = "import os\nresult = os.getpid()"


def test_snippets_in_one_session_share_a_process_and_separate_sessions_do_not():
    with sandbox_session():
        first = run_snippet(PID).output
        second = run_snippet(PID).output
    with sandbox_session():
        other = run_snippet(PID).output
    assert first == second
    assert other != first


def test_without_a_session_every_snippet_gets_a_new_process():
    assert current_session() is None
    assert run_snippet(PID).output != run_snippet(PID).output


def test_closing_the_session_ends_the_process_it_kept():
    with sandbox_session() as session:
        pid = run_snippet(PID).output
        assert session.idle_count() == 1
    deadline = time.monotonic() + 5
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _pid_alive(pid)


def test_a_snippet_that_raised_keeps_its_process_but_one_that_timed_out_does_not():
    with sandbox_session() as session:
        pid = run_snippet(PID).output
        raised = run_snippet("raise ValueError('bad input')")
        assert raised.error_code == "runtime_error"
        assert run_snippet(PID).output == pid
        slow = run_snippet("while True:\n    pass", limits=Limits(timeout_seconds=0.5))
        assert slow.error_code == "timeout"
        assert session.idle_count() == 1  # the default-limits process; the one that looped is gone
        assert run_snippet(PID).output == pid


def test_each_reused_request_still_gets_its_own_cpu_budget():
    limits = Limits(timeout_seconds=30, cpu_seconds=1)
    with sandbox_session():
        pid = run_snippet(PID, limits=limits).output
        spin = "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end:\n    pass\nresult = 1"
        assert run_snippet(spin, limits=limits).ok  # 0.6 s of a 1 s budget
        assert run_snippet(spin, limits=limits).ok  # a fresh budget: 1.2 s in all, still fine
        runaway = run_snippet("while True:\n    pass", limits=limits)
        assert runaway.error_code == "timeout"
        assert "CPU" in runaway.error
        assert run_snippet(PID, limits=limits).output != pid  # the runaway's process was not kept


def test_different_limits_never_share_a_process():
    with sandbox_session():
        small = run_snippet(PID, limits=Limits(memory_mb=128)).output
        large = run_snippet(PID, limits=Limits(memory_mb=512)).output
        assert small != large
        assert run_snippet(PID, limits=Limits(memory_mb=128)).output == small


def test_files_written_by_one_run_are_not_seen_by_the_next():
    write = "open('note.txt', 'w').write('secret')\nresult = True"
    read = "import os\nresult = os.path.exists('note.txt')"
    with sandbox_session():
        assert run_snippet(write).output is True
        assert run_snippet(read).output is True  # same run, same working directory
    with sandbox_session():
        assert run_snippet(read).output is False
