"""The Redis pub/sub channel layer, with a direct in-process fan-out for sockets that ask for it.

channels_redis's pub/sub layer hands a group message to each member by putting the raw bytes on the
member's queue; every consumer then wakes up, unpacks the msgpack, hops to a thread to close stale
database connections (Channels does that before every handler) and sends through the ASGI stack.
With 500 sockets on one workflow that was ~230 µs of daphne CPU per socket per event.

Here the reader unpacks a group message once; members that registered a *sink* (a plain function,
see `add_sink`) get the unpacked message by a direct call, in the order the messages arrived from
Redis, so per-socket ordering holds. Members without a sink (the editor socket) keep the queue path.

Messages that are already in the connection's buffer when the reader wakes (they piled up while the
process was busy, e.g. writing the previous event to hundreds of sockets) are handled as one batch:
each sink is called once with the list of its messages instead of once per message. That adds no
wait, and the per-socket cost is paid once per batch, so a backlog shrinks instead of growing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
import uuid
from collections.abc import Callable

import redis
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer, RedisSingleShardConnection
from channels_redis.utils import _consistent_hash, _wrap_close, decode_hosts
from redis.exceptions import NoScriptError, ResponseError

logger = logging.getLogger(__name__)

Sink = Callable[[list[dict]], None]
MAX_BATCH = 100  # messages handled in one pass of the reader, at most


class _FanoutShard(RedisSingleShardConnection):
    """channels_redis's shard connection, plus batched reading and a reader
    that wakes on the first subscription: the stock reader sleeps 100 ms whenever nothing is
    subscribed, so the first event after an idle moment (a waiting webhook on a quiet server) waited
    up to 100 ms for it."""

    def __init__(self, host, channel_layer):
        super().__init__(host, channel_layer)
        self._subscribed = asyncio.Event()

    async def subscribe(self, channel):
        await super().subscribe(channel)
        self._subscribed.set()

    async def _do_receiving(self):
        """channels_redis's receive loop, except that it drains what is already buffered first and
        waits for a subscription instead of polling every 100 ms."""
        while True:
            try:
                if self._pubsub and self._pubsub.subscribed:
                    await self._receive_batch()
                else:
                    self._subscribed.clear()
                    await self._subscribed.wait()
            except (TimeoutError, asyncio.CancelledError, GeneratorExit):
                raise
            except BaseException:
                logger.exception("Unexpected exception in the pub/sub reader")
                await asyncio.sleep(1)

    async def _receive_batch(self) -> None:
        batch = []
        try:
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
            if message is not None:
                batch.append(message)
            # The same call as above; it returns at once because a reply is already buffered.
            while len(batch) < MAX_BATCH and await self._pubsub.connection.can_read():
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
                if message is not None:
                    batch.append(message)
        finally:
            if batch:
                self._deliver(batch)

    def _deliver(self, batch: list[dict]) -> None:
        layer = self.channel_layer
        runs: list[tuple[tuple[str, ...], list[dict]]] = []  # (sink channels, their messages), in order
        for message in batch:
            name, data = message["channel"], message["data"]
            if isinstance(name, bytes):
                name = name.decode()
            if name in layer.channels:
                layer.channels[name].put_nowait(data)
                continue
            members = layer.groups.get(name)
            if not members:
                continue
            sinks = tuple(filter(layer.sinks.__contains__, members))  # members when the batch is handled
            if len(sinks) < len(members):
                for channel in members:
                    if channel not in layer.sinks and channel in layer.channels:
                        layer.channels[channel].put_nowait(data)
            if not sinks:
                continue
            unpacked = layer.channel_layer.deserialize(data)
            if layer.group_sinks and not layer.group_sinks.isdisjoint(sinks):
                # Group sinks (a waiting webhook on its execution's group) get each message at once and
                # stay out of the runs: interleaved with the sockets' messages they would cut every
                # run to one message, and the sockets would lose their batching.
                for channel in sinks:
                    if channel in layer.group_sinks:
                        self._call(layer, channel, [unpacked])
                sinks = tuple(channel for channel in sinks if channel not in layer.group_sinks)
                if not sinks:
                    continue
            if runs and runs[-1][0] == sinks:
                runs[-1][1].append(unpacked)  # the usual case: the same sockets as the message before
            else:
                runs.append((sinks, [unpacked]))
        for channels, messages in runs:
            for channel in channels:  # a sink may close its socket and leave the group
                self._call(layer, channel, messages)

    @staticmethod
    def _call(layer, channel: str, messages: list[dict]) -> None:
        sink = layer.sinks.get(channel)
        if sink is None:
            return
        try:
            sink(messages)
        except Exception:
            logger.exception("local delivery to %s failed", channel)


class _FanoutLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._shards = [_FanoutShard(shard.host, self) for shard in self._shards]
        self.sinks: dict[str, Sink] = {}
        self.group_sinks: set[str] = set()  # members added by group_sink_add

    def add_sink(self, channel: str, sink: Sink) -> None:
        """Deliver group messages for `channel` by calling `sink(messages)` on the reader, no queue:
        a list of one or more unpacked messages, in arrival order.

        The list and its dicts are shared by every sink of the process: treat them as read-only (a
        sink may cache derived values under keys starting with '_local')."""
        self.sinks[channel] = sink

    def remove_sink(self, channel: str) -> None:
        self.sinks.pop(channel, None)
        self.group_sinks.discard(channel)

    async def group_sink_add(self, group: str, sink: Sink) -> str:
        """Make `sink` a member of `group` -> its member name. Unlike a channel from `new_channel`,
        the member has no Redis channel of its own (no SUBSCRIBE for it, nothing to clean up but the
        group); leave with `remove_sink` + `group_discard`."""
        name = f"{self.prefix}sink.{uuid.uuid4().hex}"
        self.sinks[name] = sink
        self.group_sinks.add(name)
        group_channel = self._get_group_channel_name(group)
        self.groups.setdefault(group_channel, set()).add(name)
        await self._get_shard(group_channel).subscribe(group_channel)
        return name

    async def flush(self):
        self.sinks = {}
        self.group_sinks = set()
        await super().flush()


# PUBLISH every (channel, message) pair of ARGV, in order, and answer once: a burst costs the
# publisher one command to pack and one reply to parse instead of one of each per message.
PUBLISH_ALL = b"for i = 1, #ARGV, 2 do redis.call('PUBLISH', ARGV[i], ARGV[i + 1]) end return #ARGV / 2"
PUBLISH_ALL_SHA = hashlib.sha1(PUBLISH_ALL).hexdigest().encode()
MAX_MESSAGES_PER_COMMAND = 1000  # a backlog goes out in several commands, not one that holds Redis up


def _pack(args: list[bytes]) -> bytes:
    """One command in RESP (an array of bulk strings): what redis-py's packer makes, without its
    per-argument type checks and encoding."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        parts.extend((b"$%d\r\n" % len(arg), arg, b"\r\n"))
    return b"".join(parts)


class _ShardPublisher:
    """One connection to one shard, kept for the life of the process, that sends a burst of PUBLISHes
    as one EVALSHA of `PUBLISH_ALL`. NOSCRIPT (a restarted or flushed Redis) is answered with EVAL,
    which loads the script again; a server that refuses scripts (ACL, renamed commands) gets plain
    pipelined PUBLISHes from then on."""

    def __init__(self, client: redis.Redis):
        self.connection = client.connection_pool.get_connection()
        self.lock = threading.Lock()
        self.scripted = True

    def publish(self, pairs: list[bytes]) -> None:
        """`pairs`: channel, message, channel, message... Raises what Redis or the socket raised."""
        with self.lock:
            for start in range(0, len(pairs), 2 * MAX_MESSAGES_PER_COMMAND):
                chunk = pairs[start : start + 2 * MAX_MESSAGES_PER_COMMAND]
                try:
                    self._publish(chunk)
                except redis.ConnectionError:
                    # A connection Redis closed (a restart, an idle timeout) fails on its first use: the
                    # burst was not run; once more on a new connection.
                    self.connection.disconnect()
                    self._publish(chunk)

    def _publish(self, pairs: list[bytes]) -> None:
        if self.scripted:
            try:
                try:
                    self._command([b"EVALSHA", PUBLISH_ALL_SHA, b"0", *pairs])
                except NoScriptError:
                    self._command([b"EVAL", PUBLISH_ALL, b"0", *pairs])
                return
            except ResponseError as error:  # refused before it ran: nothing was published
                logger.warning("Redis refused the publish script (%s): publishing without it", error)
                self.scripted = False
        self._pipelined(pairs)

    def _command(self, args: list[bytes]) -> None:
        self.connection.send_packed_command([_pack(args)])
        self.connection.read_response()

    def _pipelined(self, pairs: list[bytes]) -> None:
        self.connection.send_packed_command(
            [b"".join(_pack([b"PUBLISH", pairs[i], pairs[i + 1]]) for i in range(0, len(pairs), 2))]
        )
        errors = []
        for _ in range(len(pairs) // 2):  # every reply is read, so the next burst reads its own
            try:
                self.connection.read_response()
            except ResponseError as error:
                errors.append(error)
        if errors:
            raise errors[0]


class FanoutPubSubChannelLayer(RedisPubSubChannelLayer):
    """`channels_redis.pubsub.RedisPubSubChannelLayer` plus `add_sink`/`remove_sink`, `group_sink_add`
    and `publish_blocking` (events.py sends each burst of events with it, from a plain thread)."""

    _publishers: tuple[int, list[_ShardPublisher]] | None = None

    def publish_blocking(self, messages: list[tuple[str, dict]]) -> None:
        """`group_send` for a burst, from code without an event loop: PUBLISH each (group, message) to the
        group's Redis channel, in order, one command (one round trip) per shard. The names and bytes
        are the ones the async layer uses, so every process's reader gets them as group messages.

        A synchronous connection costs far less per burst than driving redis.asyncio from a loop thread,
        and one script call on a kept connection less than a redis-py pipeline (pool checkout, packing
        and parsing per command): ~25 vs ~85 µs of CPU for a burst of two messages, and the worker's
        `pipelit-events` thread 1.7 -> 0.8 ms per execution (bench/events_publish.py, threads_probe).
        What is left is mostly the send and receive syscalls. Redis pays ~5 µs more per burst to run
        the script."""
        prefix = self._kwargs.get("prefix", "asgi")
        publishers = self._shard_publishers()
        shards: dict[int, list[bytes]] = {}
        for group, message in messages:
            name = f"{prefix}__group__{group}"
            index = _consistent_hash(name, len(publishers))
            shards.setdefault(index, []).extend((name.encode(), self.serialize(message)))
        for index, pairs in shards.items():
            publishers[index].publish(pairs)

    def _shard_publishers(self) -> list[_ShardPublisher]:
        """One connection per shard, per process (a forked worker opens its own)."""
        pid = os.getpid()
        if self._publishers is None or self._publishers[0] != pid:
            publishers = []
            for host in decode_hosts(self._kwargs.get("hosts")):
                host = {"socket_timeout": 5, "socket_connect_timeout": 5, **host}  # a hung Redis
                if "address" in host:
                    client = redis.Redis.from_url(host.pop("address"), **host)
                else:
                    client = redis.Redis(**host)
                publishers.append(_ShardPublisher(client))
            self._publishers = (pid, publishers)
        return self._publishers[1]

    def _get_layer(self):
        loop = asyncio.get_running_loop()
        try:
            return self._layers[loop]
        except KeyError:
            layer = _FanoutLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)
            return layer
