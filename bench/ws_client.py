"""A lean WebSocket event listener for the socket fan-out benchmark.

The `websockets` library plus a `json.loads` per message cost the bench's client processes about as
much CPU as daphne spends sending (~140,000 messages per run of the bench), on the same 2 cores as the
server, and every message queued behind that parsing counts as delivery delay. This client is an
asyncio Protocol per socket that does the HTTP upgrade itself and reads the server's (unmasked,
unfragmented) text frames with a few slices. Per event it only finds the top-level `timestamp` (the
third key of the envelope, after `type` and `channel`, whose string values cannot hold that byte sequence unescaped: so the first `"timestamp": ` in the text) and folds the frame into a CRC.

Nothing is checked less strictly than with a full parse:
- every socket counts its events and must reach exactly the expected number;
- every socket chains a CRC-32 over the bytes of every event in arrival order, and all sockets must end
  with the same CRC and count: they all received the same events in the same order;
- one socket per client process (`keep=True`) also keeps the raw events, which `check_stream` parses
  after the runs: each execution's events are all there, start first, finish last, and each node
  reports `running` before its result.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
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


class EventListener(asyncio.Protocol):
    """One socket: upgrade, subscribe to `channel`, then count `expected` events."""

    def __init__(self, host: str, port: int, path: str, channel: str, expected: int, keep: bool = False):
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self.channel = channel
        self.expected = expected
        self.kept: list[bytes] | None = [] if keep else None
        self.delays: list[float] = []
        self.received = 0
        self.crc = 0
        self.buffer = b""
        self.upgraded = False
        loop = asyncio.get_running_loop()
        self.subscribed: asyncio.Future = loop.create_future()
        self.done: asyncio.Future = loop.create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc):
        self._fail(ConnectionError(f"socket closed after {self.received}/{self.expected} events: {exc!r}"))

    def _fail(self, exc: BaseException) -> None:
        for future in (self.subscribed, self.done):
            if not future.done():
                future.set_exception(exc)
                future.exception()  # retrieved: the caller may only await the other one

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buffer = self.buffer + data if self.buffer else data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buffer
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                self._fail(ConnectionError(buffer[:end].decode(errors="replace")))
                self.transport.close()
                return
            self.upgraded = True
            buffer = buffer[end + 4 :]
            self.transport.write(
                client_frame(json.dumps({"type": "subscribe", "channel": self.channel}).encode())
            )
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
                self._fail(ValueError("masked or fragmented server frame"))
                self.transport.close()
                return
            payload = buffer[start : start + length]
            pos = start + length
            opcode = first & 0x0F
            if opcode == 0x1:
                self._text(payload, now)
            elif opcode == 0x9:
                self.transport.write(client_frame(payload, 0xA))
            elif opcode == 0x8:
                self._fail(ConnectionError(f"server closed after {self.received}/{self.expected} events"))
        self.buffer = buffer[pos:]

    def _text(self, payload: bytes, now: float) -> None:
        if not self.subscribed.done():
            reply = json.loads(payload)
            if reply.get("type") == "subscribed":
                self.subscribed.set_result(None)
            else:
                self._fail(RuntimeError(f"subscribe answered {reply}"))
            return
        if payload.startswith(PING):  # the server's heartbeat, not an event
            self.transport.write(client_frame(b'{"type": "pong"}'))
            return
        at = payload.find(TIMESTAMP) + len(TIMESTAMP)
        self.delays.append(now - float(payload[at : payload.index(b",", at)]))
        self.crc = zlib.crc32(payload, self.crc)
        self.received += 1
        if self.kept is not None:
            self.kept.append(payload)
        if self.received == self.expected and not self.done.done():
            self.done.set_result(None)


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
