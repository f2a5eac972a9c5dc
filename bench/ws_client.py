"""A lean WebSocket event listener for the socket fan-out benchmark.

The `websockets` library plus a `json.loads` per message cost the bench's client processes about as
much CPU as daphne spends sending (~140,000 messages per run of the bench), on the same 2 cores as the
server, and every message queued behind that parsing counts as delivery delay. Here each socket does
the HTTP upgrade and the subscription itself (blocking, before the runs), then one `select.epoll` loop
per client process reads all its sockets: no asyncio, no library. The server's text frames are
unmasked and unfragmented, so a few slices find each payload. Per event the listener only reads the
top-level `timestamp` (the third key of the envelope, after `type` and `channel`, whose string values
cannot hold that byte sequence unescaped: so the first `"timestamp": ` in the text) and folds the
frame into a CRC.

Nothing is checked less strictly than with a full parse:
- every socket counts its events and must reach exactly the expected number;
- every socket chains a CRC-32 over the bytes of every event in arrival order, and all sockets must end
  with the same CRC and count: they all received the same events in the same order;
- one socket per client process (`keep=True`) also keeps the raw events, which `check_stream` parses
  after the runs: each execution's events are all there, start first, finish last, and each node
  reports `running` before its result.
"""

from __future__ import annotations

import base64
import json
import os
import select
import socket
import time
import zlib
from collections import Counter, defaultdict

TIMESTAMP = b'"timestamp": '
PING = b'{"type": "ping"'


def client_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """A masked, unfragmented client frame (RFC 6455 5.3: clients must mask)."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = bytes([0x80 | opcode, 0x80 | length])
    elif length < 1 << 16:
        header = bytes([0x80 | opcode, 0x80 | 126]) + length.to_bytes(2, "big")
    else:
        header = bytes([0x80 | opcode, 0x80 | 127]) + length.to_bytes(8, "big")
    repeated = (mask * (length // 4 + 1))[:length]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(length, "big")
    return header + mask + masked


class EventListener:
    """One socket: `open` upgrades it and subscribes to `channel`; `feed` then counts the events."""

    def __init__(self, expected: int, keep: bool = False):
        self.expected = expected
        self.kept: list[bytes] | None = [] if keep else None
        self.delays: list[float] = []
        self.received = 0
        self.crc = 0
        self.buffer = b""
        self.subscribed = False
        self.closed: str | None = None  # why the server closed the socket, if it did
        self.sock: socket.socket | None = None

    def open(self, host: str, port: int, path: str, channel: str, timeout: float = 60) -> None:
        sock = self.sock = socket.create_connection((host, port), timeout=timeout)
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError(f"closed during the upgrade: {response!r}")
            response += chunk
        head, _, rest = response.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.decode(errors="replace"))
        sock.sendall(client_frame(json.dumps({"type": "subscribe", "channel": channel}).encode()))
        self.feed(rest, time.time())
        while not self.subscribed:
            chunk = sock.recv(4096)
            if not chunk or self.closed:
                raise ConnectionError(f"closed before subscribing: {self.closed}")
            self.feed(chunk, time.time())
        sock.setblocking(False)

    def feed(self, data: bytes, now: float) -> None:
        buffer = self.buffer + data if self.buffer else data
        pos, size = 0, len(buffer)
        while size - pos >= 2:
            first, second = buffer[pos], buffer[pos + 1]
            length, start = second & 0x7F, pos + 2
            if length == 126:
                if size - pos < 4:
                    break
                length, start = int.from_bytes(buffer[pos + 2 : pos + 4], "big"), pos + 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, start = int.from_bytes(buffer[pos + 2 : pos + 10], "big"), pos + 10
            if size < start + length:
                break
            if second & 0x80 or not first & 0x80:
                raise ValueError("masked or fragmented server frame")
            payload = buffer[start : start + length]
            pos = start + length
            opcode = first & 0x0F
            if opcode == 0x1:
                self._text(payload, now)
            elif opcode == 0x9:
                self.sock.sendall(client_frame(payload, 0xA))
            elif opcode == 0x8:
                self.closed = f"server closed after {self.received}/{self.expected} events: {payload[2:]!r}"
        self.buffer = buffer[pos:]

    def _text(self, payload: bytes, now: float) -> None:
        if not self.subscribed:
            reply = json.loads(payload)
            if reply.get("type") != "subscribed":
                raise RuntimeError(f"subscribe answered {reply}")
            self.subscribed = True
            return
        if payload.startswith(PING):  # the server's heartbeat, not an event
            self.sock.sendall(client_frame(b'{"type": "pong"}'))
            return
        at = payload.find(TIMESTAMP) + len(TIMESTAMP)
        self.delays.append(now - float(payload[at : payload.index(b",", at)]))
        self.crc = zlib.crc32(payload, self.crc)
        self.received += 1
        if self.kept is not None:
            self.kept.append(payload)


def listen(listeners: list[EventListener], timeout: float) -> None:
    """Read every listener's socket until each has its expected events; raises on close or timeout."""
    poller = select.epoll()
    by_fd = {}
    for listener in listeners:
        if listener.received < listener.expected:
            by_fd[listener.sock.fileno()] = listener
            poller.register(listener.sock.fileno(), select.EPOLLIN)
    deadline = time.monotonic() + timeout
    try:
        while by_fd:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(by_fd)} sockets still short of events after {timeout}s")
            for fd, _ in poller.poll(1):
                listener = by_fd[fd]
                data = listener.sock.recv(1 << 16)
                now = time.time()
                if not data:
                    raise ConnectionError(
                        f"socket closed after {listener.received}/{listener.expected} events"
                    )
                listener.feed(data, now)
                if listener.closed:
                    raise ConnectionError(listener.closed)
                if listener.received >= listener.expected:
                    poller.unregister(fd)
                    del by_fd[fd]
    finally:
        poller.close()


def check_stream(payloads: list[bytes], runs: int, events_per_run: int) -> None:
    """Raise AssertionError unless `payloads` hold `runs` complete executions, each in order."""
    by_execution: dict[str, list[dict]] = defaultdict(list)
    for payload in payloads:
        event = json.loads(payload)
        by_execution[event.get("execution_id")].append(event)
    assert None not in by_execution, "an event without execution_id"
    assert len(by_execution) == runs, f"{len(by_execution)} executions, expected {runs}"
    for execution_id, stream in by_execution.items():
        kinds = [event["type"] for event in stream]
        assert len(stream) == events_per_run, (execution_id, Counter(kinds))
        assert kinds[0] == "execution_started" and kinds[-1] == "execution_completed", (execution_id, kinds)
        statuses: dict[str, list[str]] = defaultdict(list)
        for event in stream:
            if event["type"] == "node_status":
                statuses[event["data"]["node_id"]].append(event["data"]["status"])
        for node_id, seen in statuses.items():
            assert seen == ["running", "success"], (execution_id, node_id, seen)
