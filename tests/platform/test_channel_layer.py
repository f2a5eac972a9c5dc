"""pipelit.channel_layer: group messages reach local sinks once unpacked, in order; queues still work."""

import asyncio
import hashlib
import threading
import time
import uuid

import pytest
import redis
from channels.layers import get_channel_layer
from django.conf import settings

from pipelit import channel_layer
from pipelit.channel_layer import FanoutPubSubChannelLayer


def test_the_configured_layer_offers_local_sinks():
    assert isinstance(get_channel_layer(), FanoutPubSubChannelLayer)


@pytest.mark.asyncio
async def test_sinks_get_every_group_message_in_order_and_queue_members_still_receive():
    layer = get_channel_layer()

    async def scenario():
        first, second, queued = [await layer.new_channel() for _ in range(3)]
        seen = {first: [], second: []}
        layer.add_sink(first, seen[first].extend)
        layer.add_sink(second, seen[second].extend)
        for name in (first, second, queued):
            await layer.group_add("pipelit.test.fanout", name)
        for i in range(50):
            await layer.group_send("pipelit.test.fanout", {"type": "pipelit.event", "n": i})
        from_queue = [await asyncio.wait_for(layer.receive(queued), 5) for _ in range(50)]
        deadline = asyncio.get_running_loop().time() + 5
        while len(seen[second]) < 50 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
        layer.remove_sink(first)
        await layer.group_send("pipelit.test.fanout", {"type": "pipelit.event", "n": 50})
        late = await asyncio.wait_for(layer.receive(first), 5)  # back on the queue path
        for name in (first, second, queued):
            await layer.group_discard("pipelit.test.fanout", name)
        return seen[first], seen[second], from_queue, late

    first, second, from_queue, late = await scenario()
    assert [m["n"] for m in first] == list(range(50))
    assert [m["n"] for m in second] == list(range(51))  # still a sink when 50 went out
    assert all(a is b for a, b in zip(first, second[:50], strict=True))  # unpacked once per process
    assert [m["n"] for m in from_queue] == list(range(50))
    assert late["n"] == 50


@pytest.mark.asyncio
async def test_a_failing_sink_does_not_stop_the_others():
    layer = get_channel_layer()

    async def scenario():
        broken, healthy = await layer.new_channel(), await layer.new_channel()
        received = []

        def explode(messages):
            raise RuntimeError("socket went away")

        layer.add_sink(broken, explode)
        layer.add_sink(healthy, received.extend)
        for name in (broken, healthy):
            await layer.group_add("pipelit.test.broken", name)
        await layer.group_send("pipelit.test.broken", {"type": "pipelit.event", "n": 1})
        await layer.group_send("pipelit.test.broken", {"type": "pipelit.event", "n": 2})
        for _ in range(500):
            if len(received) == 2:
                break
            await asyncio.sleep(0.01)
        for name in (broken, healthy):
            layer.remove_sink(name)
            await layer.group_discard("pipelit.test.broken", name)
        return received

    assert [m["n"] for m in await scenario()] == [1, 2]


@pytest.mark.asyncio
async def test_messages_that_piled_up_reach_each_sink_as_one_batch_in_order():
    layer = get_channel_layer()
    group = "pipelit.test.batch"

    async def scenario():
        sink_a, sink_b = await layer.new_channel(), await layer.new_channel()
        calls = {sink_a: [], sink_b: []}
        layer.add_sink(sink_a, calls[sink_a].append)
        layer.add_sink(sink_b, calls[sink_b].append)
        for name in (sink_a, sink_b):
            await layer.group_add(group, name)
        redis_channel = layer._get_layer()._get_group_channel_name(group)

        def publish_all():  # from another connection, while this event loop is blocked
            client = redis.Redis.from_url(settings.REDIS_URL)
            for i in range(30):
                client.publish(redis_channel, layer.serialize({"type": "pipelit.event", "n": i}))
            client.close()

        publisher = threading.Thread(target=publish_all)
        publisher.start()
        publisher.join()  # blocks the loop: all 30 reach the reader's socket before it runs again
        time.sleep(0.05)
        for _ in range(500):
            if sum(len(batch) for batch in calls[sink_b]) == 30:
                break
            await asyncio.sleep(0.01)
        for name in (sink_a, sink_b):
            layer.remove_sink(name)
            await layer.group_discard(group, name)
        return calls[sink_a], calls[sink_b]

    batches_a, batches_b = await scenario()
    assert [[m["n"] for m in batch] for batch in batches_a] == [list(range(30))]
    assert batches_b == batches_a
    assert batches_b[0] is batches_a[0]  # one list for every socket of the batch


@pytest.mark.asyncio
async def test_publish_blocking_publishes_in_order_to_every_group():
    layer = get_channel_layer()
    seen = {"a": [], "b": []}
    names = {
        "a": await layer.group_sink_add("pipelit.test.many-a", seen["a"].extend),
        "b": await layer.group_sink_add("pipelit.test.many-b", seen["b"].extend),
    }
    batch = [
        (f"pipelit.test.many-{'a' if i % 3 else 'b'}", {"type": "pipelit.event", "n": i}) for i in range(30)
    ]
    await asyncio.to_thread(layer.publish_blocking, batch)  # as events.py's publisher thread does
    for _ in range(500):
        if len(seen["a"]) + len(seen["b"]) == 30:
            break
        await asyncio.sleep(0.01)
    for key, name in names.items():
        layer.remove_sink(name)
        await layer.group_discard(f"pipelit.test.many-{key}", name)
    assert [m["n"] for m in seen["a"]] == [i for i in range(30) if i % 3]
    assert [m["n"] for m in seen["b"]] == [i for i in range(30) if not i % 3]


@pytest.mark.asyncio
async def test_a_group_sink_has_no_redis_channel_of_its_own_and_leaves_nothing_behind():
    layer = get_channel_layer()
    received = []
    name = await layer.group_sink_add("pipelit.test.sink-only", received.extend)
    inner = layer._get_layer()
    assert name not in inner.channels  # nothing subscribed for the member itself
    await layer.group_send("pipelit.test.sink-only", {"type": "pipelit.event", "n": 1})
    for _ in range(500):
        if received:
            break
        await asyncio.sleep(0.01)
    layer.remove_sink(name)
    await layer.group_discard("pipelit.test.sink-only", name)
    assert [m["n"] for m in received] == [1]
    assert inner._get_group_channel_name("pipelit.test.sink-only") not in inner.groups


@pytest.mark.asyncio
async def test_a_group_sink_gets_its_messages_at_once_without_breaking_the_sockets_batches():
    layer = get_channel_layer()
    socket_calls, waiter = [], []
    socket = await layer.new_channel()
    layer.add_sink(socket, socket_calls.append)
    await layer.group_add("pipelit.test.interleaved-wf", socket)
    name = await layer.group_sink_add("pipelit.test.interleaved-ex", waiter.extend)
    batch = []
    for i in range(20):  # as a run publishes: each event on the workflow's and the execution's group
        batch.append(("pipelit.test.interleaved-wf", {"type": "pipelit.event", "n": i}))
        batch.append(("pipelit.test.interleaved-ex", {"type": "pipelit.event", "n": i}))
    await asyncio.to_thread(layer.publish_blocking, batch)  # as events.py's publisher thread does
    for _ in range(500):
        if sum(map(len, socket_calls)) == 20 and len(waiter) == 20:
            break
        await asyncio.sleep(0.01)
    layer.remove_sink(name)
    await layer.group_discard("pipelit.test.interleaved-ex", name)
    layer.remove_sink(socket)
    await layer.group_discard("pipelit.test.interleaved-wf", socket)
    assert [m["n"] for call in socket_calls for m in call] == list(range(20))
    assert [m["n"] for m in waiter] == list(range(20))
    # One pipelined burst arrives (nearly) at once: the socket gets it in a few calls, not twenty.
    assert len(socket_calls) <= 4, [len(call) for call in socket_calls]


async def _publish_and_collect(publishing_layer, bursts: list[int], group: str) -> list[int]:
    """Send `bursts` (sizes) of numbered messages to `group` with `publishing_layer.publish_blocking`
    from a thread, as events.py does; the configured layer receives them -> the numbers, in arrival order."""
    layer = get_channel_layer()
    received = []
    name = await layer.group_sink_add(group, received.extend)
    total, sent = sum(bursts), 0
    for size in bursts:
        batch = [(group, {"type": "pipelit.event", "n": sent + i}) for i in range(size)]
        sent += size
        await asyncio.to_thread(publishing_layer.publish_blocking, batch)
    for _ in range(500):
        if len(received) == total:
            break
        await asyncio.sleep(0.01)
    layer.remove_sink(name)
    await layer.group_discard(group, name)
    return [m["n"] for m in received]


def _own_layer() -> FanoutPubSubChannelLayer:
    """A second layer on the same Redis, so a test can change how it publishes without touching the
    process's layer; what it publishes reaches the configured layer's readers like any process's."""
    return FanoutPubSubChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])


@pytest.mark.asyncio
async def test_a_burst_is_one_script_call_that_redis_runs_in_order():
    publisher = _own_layer()
    assert await _publish_and_collect(publisher, [1, 25, 2], "pipelit.test.script") == list(range(28))
    assert all(shard.scripted for shard in publisher._shard_publishers())
    client = redis.Redis.from_url(settings.REDIS_URL)
    assert client.script_exists(channel_layer.PUBLISH_ALL_SHA) == [True]
    client.close()


@pytest.mark.asyncio
async def test_a_script_redis_does_not_know_is_sent_whole_once_then_by_its_sha(monkeypatch):
    # A script no Redis has seen (a restarted or flushed server answers the real one's sha the same way).
    body = channel_layer.PUBLISH_ALL + f" -- {uuid.uuid4().hex}".encode()
    monkeypatch.setattr(channel_layer, "PUBLISH_ALL", body)
    monkeypatch.setattr(channel_layer, "PUBLISH_ALL_SHA", hashlib.sha1(body).hexdigest().encode())
    client = redis.Redis.from_url(settings.REDIS_URL)
    assert client.script_exists(channel_layer.PUBLISH_ALL_SHA) == [False]
    publisher = _own_layer()
    assert await _publish_and_collect(publisher, [3, 4], "pipelit.test.noscript") == list(range(7))
    assert client.script_exists(channel_layer.PUBLISH_ALL_SHA) == [True]  # NOSCRIPT -> EVAL loaded it
    assert all(shard.scripted for shard in publisher._shard_publishers())
    client.close()


@pytest.mark.asyncio
async def test_bursts_go_out_as_plain_publishes_when_redis_refuses_the_script(monkeypatch, caplog):
    body = f"this is not Lua {uuid.uuid4().hex}".encode()  # refused as a server with scripts denied would
    monkeypatch.setattr(channel_layer, "PUBLISH_ALL", body)
    monkeypatch.setattr(channel_layer, "PUBLISH_ALL_SHA", hashlib.sha1(body).hexdigest().encode())
    publisher = _own_layer()
    assert await _publish_and_collect(publisher, [5, 1, 3], "pipelit.test.refused") == list(range(9))
    assert not any(shard.scripted for shard in publisher._shard_publishers())
    assert "refused the publish script" in caplog.text


@pytest.mark.asyncio
async def test_a_backlog_goes_out_in_several_commands_in_order(monkeypatch):
    monkeypatch.setattr(channel_layer, "MAX_MESSAGES_PER_COMMAND", 4)
    assert await _publish_and_collect(_own_layer(), [11], "pipelit.test.backlog") == list(range(11))


@pytest.mark.asyncio
async def test_publishing_continues_on_a_new_connection_after_redis_closed_the_old_one():
    publisher = _own_layer()
    group = "pipelit.test.reconnect"
    assert await _publish_and_collect(publisher, [2], group) == [0, 1]
    shard = publisher._shard_publishers()[0]
    host, port = shard.connection._sock.getsockname()[:2]
    client = redis.Redis.from_url(settings.REDIS_URL)
    assert client.client_kill(f"{host}:{port}")
    client.close()
    assert await _publish_and_collect(publisher, [3], group) == [0, 1, 2]
