"""Write pre-framed WebSocket messages to many daphne sockets without the ASGI round trip.

A consumer's `send` goes: Channels -> session wrapper -> daphne `Server.handle_reply` -> autobahn
`sendMessage` (UTF-8 encode, frame header) -> Twisted's buffer. For an event that goes to hundreds
of sockets the frame is the same for all of them (server frames are not masked), so autobahn's
`prepareMessage` builds it once and `sendPreparedMessage` only appends it to each socket's buffer.
The layer hands over messages in batches (see pipelit.channel_layer); the frames of one batch are
joined once and appended to each socket's buffer in one write.

`direct_writer(send, text_of)` finds daphne's protocol behind a consumer's ASGI `send`; when there is
none (another server, the test communicator) it returns None and the caller keeps the ASGI path.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from autobahn.websocket.protocol import WebSocketProtocol
from twisted.internet import tcp

PREPARED = "_local_prepared"  # cache key on a shared layer message (see pipelit.channel_layer)

TextOf = Callable[[dict], "str | None"]  # the text to send for a message, or None to skip it


def _daphne_protocol(send) -> WebSocketProtocol | None:
    for _ in range(8):  # middleware wrappers that keep the original as `real_send` (Channels' sessions)
        if isinstance(send, functools.partial) and send.args and isinstance(send.args[0], WebSocketProtocol):
            return send.args[0]
        send = getattr(getattr(send, "__self__", None), "real_send", None)
        if send is None:
            return None
    return None


class _Frames:
    """The prepared frames of the last batch, and all of them joined: every socket of the process
    gets the same batch (the same list object) one after the other, so one entry is enough."""

    batch: list | None = None
    text_of: TextOf | None = None
    prepared: list = []
    joined: bytes = b""

    @classmethod
    def of(cls, factory, batch: list[dict], text_of: TextOf) -> tuple[list, bytes]:
        if batch is not cls.batch or text_of is not cls.text_of:
            prepared = []
            for message in batch:
                frame = message.get(PREPARED)
                if frame is None:
                    text = text_of(message)
                    if text is None:
                        continue
                    frame = message[PREPARED] = factory.prepareMessage(text.encode())
                prepared.append(frame)
            cls.batch, cls.text_of = batch, text_of
            cls.prepared, cls.joined = prepared, b"".join(frame.payloadHybi for frame in prepared)
        return cls.prepared, cls.joined


def _write_now(transport, data: bytes) -> None:
    """`transport.write(data)`, but sent at once when nothing is queued on a plain TCP socket.

    Twisted buffers every write and sends it on the reactor's next pass, registering the socket for
    writability before and unregistering it after: two epoll_ctl calls and a few layers of callbacks
    per socket, more than the send itself. The layer already batches what piled up, so sending now
    costs no more syscalls. What the kernel does not take at once (a full send buffer, an error) goes
    to Twisted's buffer as before, and Twisted reports errors as usual."""
    if (
        type(transport) is not tcp.Server
        or transport.TLS
        or transport.dataBuffer
        or transport._tempDataBuffer
    ):
        transport.write(data)
        return
    if not transport.connected or transport.disconnecting or transport._writeDisconnected:
        return  # what transport.write does with data for a closed connection
    try:
        sent = transport.socket.send(data)
    except OSError:
        sent = 0
    if sent < len(data):
        transport.write(data[sent:])


def direct_writer(send, text_of: TextOf) -> Callable[[list[dict]], bool] | None:
    """A function (messages) -> sent? that writes each message's `text_of` as a text frame to the
    socket behind `send`, preparing each frame once per process (the messages are shared)."""
    protocol = _daphne_protocol(send)
    if protocol is None:
        return None

    def write(messages: list[dict]) -> bool:
        if protocol.state != WebSocketProtocol.STATE_OPEN:
            return False  # closing or closed: daphne drops sends after disconnect too
        prepared, joined = _Frames.of(protocol.factory, messages, text_of)
        if not joined:
            return True
        if protocol._perMessageCompress is None and not protocol.send_queue:
            # What autobahn's sendPreparedMessage -> sendData does for an uncompressed socket with
            # nothing queued, minus its debug log call, whose arguments (colourised with click) are
            # built even when debug is off and cost more than the write itself.
            _write_now(protocol.transport, joined)
            protocol.trafficStats.outgoingOctetsWireLevel += len(joined)
            if protocol.logOctets:
                protocol.logTxOctets(joined, False)
        else:
            for frame in prepared:
                protocol.sendPreparedMessage(frame)
        return True

    return write
