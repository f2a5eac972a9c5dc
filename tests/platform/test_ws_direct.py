"""pipelit.ws_direct: finds daphne's protocol behind a consumer's send, or says there is none."""

import functools
from collections import deque

from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket.protocol import TrafficStats

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


def test_no_direct_writer_without_daphne():
    async def send(message):
        pass

    assert ws_direct.direct_writer(send) is None
    assert ws_direct.direct_writer(SessionWrapper(send).send) is None


def test_the_frame_is_prepared_once_per_message_and_written_to_each_socket():
    protocols = [open_protocol(), open_protocol()]
    writers = [
        ws_direct.direct_writer(SessionWrapper(functools.partial(server_handle_reply, p)).send)
        for p in protocols
    ]
    message = {"type": "pipelit.event", "text": '{"type": "node_status"}'}
    for write in writers:
        assert write(message, message["text"]) is True
    frame = message[ws_direct.PREPARED].payloadHybi
    assert frame == b"\x81\x17" + b'{"type": "node_status"}'  # FIN + text opcode, unmasked, 23 bytes
    assert [p.transport.written for p in protocols] == [[frame], [frame]]


def test_a_closing_socket_is_skipped():
    protocol = open_protocol()
    protocol.state = WebSocketServerProtocol.STATE_CLOSING
    write = ws_direct.direct_writer(functools.partial(server_handle_reply, protocol))
    assert write({"text": "x"}, "x") is False
    assert protocol.transport.written == []
