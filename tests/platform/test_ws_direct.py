"""pipelit.ws_direct: finds daphne's protocol behind a consumer's send, or says there is none."""

import contextlib
import functools
import socket
from collections import deque

import pytest
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket.protocol import TrafficStats
from twisted.internet import tcp
from twisted.internet.protocol import Protocol
from twisted.internet.testing import MemoryReactor

from pipelit import ws_direct


class SessionWrapper:
    """Shaped like Channels' InstanceSessionWrapper: wraps the server's send as `real_send`."""

    def __init__(self, send):
        self.real_send = send

    async def send(self, message):
        await self.real_send(message)


class Transport:
    def __init__(self):
        self.written = []

    def write(self, data):
        self.written.append(data)


async def server_handle_reply(protocol, message):
    protocol.handle_reply(message)


def open_protocol():
    protocol = WebSocketServerProtocol()
    protocol.factory = WebSocketServerFactory()
    protocol.factory.setProtocolOptions()
    protocol.state = WebSocketServerProtocol.STATE_OPEN
    protocol.transport = Transport()
    protocol.send_queue = deque()
    protocol._perMessageCompress = None
    protocol.trafficStats = TrafficStats()
    protocol.logOctets = False
    return protocol


def text_of(message):
    return message.get("text")


def test_no_direct_writer_without_daphne():
    async def send(message):
        pass

    assert ws_direct.direct_writer(send, text_of) is None
    assert ws_direct.direct_writer(SessionWrapper(send).send, text_of) is None


def test_the_frame_is_prepared_once_per_message_and_written_to_each_socket():
    protocols = [open_protocol(), open_protocol()]
    writers = [
        ws_direct.direct_writer(SessionWrapper(functools.partial(server_handle_reply, p)).send, text_of)
        for p in protocols
    ]
    message = {"type": "pipelit.event", "text": '{"type": "node_status"}'}
    for write in writers:
        assert write([message]) is True
    frame = message[ws_direct.PREPARED].payloadHybi
    assert frame == b"\x81\x17" + b'{"type": "node_status"}'  # FIN + text opcode, unmasked, 23 bytes
    assert [p.transport.written for p in protocols] == [[frame], [frame]]


def test_a_batch_goes_out_in_one_write_without_the_skipped_messages():
    protocols = [open_protocol(), open_protocol()]
    writers = [ws_direct.direct_writer(functools.partial(server_handle_reply, p), text_of) for p in protocols]
    batch = [{"text": "a"}, {"other": "not for the socket"}, {"text": "bc"}]
    for write in writers:
        assert write(batch) is True
    assert [p.transport.written for p in protocols] == [[b"\x81\x01a\x81\x02bc"]] * 2
    assert ws_direct.PREPARED not in batch[1]


def test_a_closing_socket_is_skipped():
    protocol = open_protocol()
    protocol.state = WebSocketServerProtocol.STATE_CLOSING
    write = ws_direct.direct_writer(functools.partial(server_handle_reply, protocol), text_of)
    assert write([{"text": "x"}]) is False
    assert protocol.transport.written == []


def tcp_protocol():
    """An open protocol on a real Twisted TCP transport (a socketpair; the reactor is a fake)."""
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    theirs.settimeout(1)
    protocol = open_protocol()
    protocol.transport = tcp.Server(ours, Protocol(), ("127.0.0.1", 1), None, 1, MemoryReactor())
    return protocol, theirs


def test_with_nothing_queued_the_frames_go_to_the_socket_at_once():
    protocol, peer = tcp_protocol()
    write = ws_direct.direct_writer(functools.partial(server_handle_reply, protocol), text_of)
    assert write([{"text": "now"}]) is True
    assert peer.recv(100) == b"\x81\x03now"
    assert protocol.transport._tempDataBuffer == []


def test_frames_queue_behind_what_twisted_still_holds():
    protocol, peer = tcp_protocol()
    protocol.transport.write(b"queued")  # waits for the reactor's write pass
    write = ws_direct.direct_writer(functools.partial(server_handle_reply, protocol), text_of)
    write([{"text": "later"}])
    assert protocol.transport._tempDataBuffer == [b"queued", b"\x81\x05later"]
    peer.setblocking(False)
    with pytest.raises(BlockingIOError):
        peer.recv(100)


def test_what_the_kernel_does_not_take_is_left_to_twisted_in_order():
    protocol, peer = tcp_protocol()
    protocol.transport.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    text = "x" * 1_000_000
    write = ws_direct.direct_writer(functools.partial(server_handle_reply, protocol), text_of)
    write([{"text": text}])
    held = b"".join(protocol.transport._tempDataBuffer)
    assert held  # the kernel took only part of it
    peer.setblocking(False)
    sent = b""
    with contextlib.suppress(BlockingIOError):
        while chunk := peer.recv(1 << 20):
            sent += chunk
    assert sent  # that part went out at once
    assert sent + held == b"\x81\x7f" + len(text).to_bytes(8, "big") + text.encode()
