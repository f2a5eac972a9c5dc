"""Write one pre-framed WebSocket message to many daphne sockets without the ASGI round trip.

A consumer's `send` goes: Channels -> session wrapper -> daphne `Server.handle_reply` -> autobahn
`sendMessage` (UTF-8 encode, frame header) -> Twisted's buffer. For an event that goes to hundreds
of sockets the frame is the same for all of them (server frames are not masked), so autobahn's
`prepareMessage` builds it once and `sendPreparedMessage` only appends it to each socket's buffer.

`direct_writer(send)` finds daphne's protocol behind a consumer's ASGI `send`; when there is none
(another server, the test communicator) it returns None and the caller keeps the ASGI path.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from autobahn.websocket.protocol import WebSocketProtocol

PREPARED = "_local_prepared"  # cache key on a shared layer message (see pipelit.channel_layer)


def _daphne_protocol(send) -> WebSocketProtocol | None:
    for _ in range(8):  # middleware wrappers that keep the original as `real_send` (Channels' sessions)
        if isinstance(send, functools.partial) and send.args and isinstance(send.args[0], WebSocketProtocol):
            return send.args[0]
        send = getattr(getattr(send, "__self__", None), "real_send", None)
        if send is None:
            return None
    return None


def direct_writer(send) -> Callable[[dict, str], bool] | None:
    """A function (message, text) -> sent? that writes `text` as one text frame to the socket behind
    `send`, preparing the frame once per `message` (shared by every socket of the process)."""
    protocol = _daphne_protocol(send)
    if protocol is None:
        return None

    def write(message: dict, text: str) -> bool:
        if protocol.state != WebSocketProtocol.STATE_OPEN:
            return False  # closing or closed: daphne drops sends after disconnect too
        prepared = message.get(PREPARED)
        if prepared is None:
            prepared = message[PREPARED] = protocol.factory.prepareMessage(text.encode())
        if protocol._perMessageCompress is None and not protocol.send_queue:
            # What autobahn's sendPreparedMessage -> sendData does for an uncompressed socket with
            # nothing queued, minus its debug log call, whose arguments (colourised with click) are
            # built even when debug is off and cost more than the write itself.
            protocol.transport.write(prepared.payloadHybi)
            protocol.trafficStats.outgoingOctetsWireLevel += len(prepared.payloadHybi)
            if protocol.logOctets:
                protocol.logTxOctets(prepared.payloadHybi, False)
        else:
            protocol.sendPreparedMessage(prepared)
        return True

    return write
