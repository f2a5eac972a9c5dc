"""Celery's Redis transport, with one redis-py client per channel instead of one per command.

kombu's Redis channel builds a new `redis.Redis` for every publish, every delivery it records as
unacked (QoS.append) and every ack (`Channel.conn_or_acquire` -> `_create_client`). A redis-py client
fills ~170 response callbacks into a case-insensitive dict when it is built: ~0.1-0.2 ms of CPU, three
times per task (web: the publish; worker: the unacked record and the ack). The client holds no
connection of its own (it borrows one from the channel's pool per command, and `pipeline()` returns a
new Pipeline each time), so one client per pool serves every command the same way. The pool, and so
the client, is rebuilt when kombu drops it (channel close, reconnect, fork).

Nothing else changes: the same commands, pipelines and transactions reach Redis in the same order, so
acks_late, the unacked index and the visibility timeout behave as with kombu's own transport.
Selected by CELERY_BROKER_TRANSPORT; written against kombu 5.7 (requirements pin it): on another
version the stock channel is used unchanged, and tests/platform/test_broker.py says so.
"""

from __future__ import annotations

import kombu
from kombu.transport import redis as kombu_redis

#: kombu versions whose `Channel._create_client(asynchronous=False)` this was checked against.
CHECKED_KOMBU = (5, 7)
REUSES_CLIENT = tuple(kombu.VERSION[:2]) == CHECKED_KOMBU


class Channel(kombu_redis.Channel):
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
