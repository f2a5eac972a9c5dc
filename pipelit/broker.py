"""Celery's Redis transport, with one redis-py client per channel instead of one per command.

kombu's Redis channel builds a new `redis.Redis` for every publish, every delivery it records as
unacked (QoS.append) and every ack (`Channel.conn_or_acquire` -> `_create_client`). A redis-py client
fills ~170 response callbacks into a case-insensitive dict when it is built: ~0.1-0.2 ms of CPU, three
times per task (web: the publish; worker: the unacked record and the ack). The client holds no
connection of its own (it borrows one from the channel's pool per command, and `pipeline()` returns a
new Pipeline each time), so one client per pool serves every command the same way. The pool, and so
the client, is rebuilt when kombu drops it (channel close, reconnect, fork).

The client reuse changes nothing else: the same commands, pipelines and transactions reach Redis in the
same order, so acks_late, the unacked index and the visibility timeout behave as with kombu's own
transport. The channel's QoS (pipelit/broker_qos.py) records each delivery as unacked, and forgets it on ack, with
one script call on a kept connection instead of a MULTI/EXEC pipeline each: the same keys and values.

Selected by CELERY_BROKER_TRANSPORT; written against kombu 5.7 (requirements pin it): on another
version the stock channel and QoS are used unchanged, and tests/platform/test_broker.py says so.
"""

from __future__ import annotations

import kombu
from kombu.transport import redis as kombu_redis

from pipelit import broker_qos

#: kombu versions whose `Channel._create_client(asynchronous=False)` this was checked against.
CHECKED_KOMBU = (5, 7)
REUSES_CLIENT = tuple(kombu.VERSION[:2]) == CHECKED_KOMBU
#: kombu's QoS.append / ack / reject and the unacked keys' layout were checked against the same versions.
SCRIPTS_UNACKED = REUSES_CLIENT


class Channel(kombu_redis.Channel):
    QoS = broker_qos.QoS if SCRIPTS_UNACKED else kombu_redis.QoS
    _command_client = None

    def _create_client(self, asynchronous=False):
        if asynchronous or not REUSES_CLIENT:
            return super()._create_client(asynchronous=asynchronous)
        pool = self.pool
        client = self._command_client
        if client is None or client.connection_pool is not pool:
            client = self._command_client = super()._create_client()
        return client


class Transport(kombu_redis.Transport):
    Channel = Channel
