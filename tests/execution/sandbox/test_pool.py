"""Helpers of the sandbox's process plumbing (pool.py)."""

import socket
import time

from apps.execution.sandbox.pool import readable


def test_readable_waits_for_data_or_the_timeout():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        started = time.monotonic()
        assert readable(ours.fileno(), 0.05) is False
        assert time.monotonic() - started >= 0.04
        theirs.sendall(b"ready\n")
        assert readable(ours.fileno(), 5) is True


def test_a_closed_peer_counts_as_readable_so_the_reader_sees_the_end():
    ours, theirs = socket.socketpair()
    with ours:
        theirs.close()
        assert readable(ours.fileno(), 5) is True
        assert ours.recv(1) == b""


def test_a_spent_timeout_only_checks_once():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert readable(ours.fileno(), -1) is False
