"""FinishListener: a waiting request hears its execution's end on the finish channel (not the node
events on `execution:<id>`), and leaves no subscription behind."""

import asyncio
import threading
import time

import pytest
from channels.layers import get_channel_layer

from apps.execution.waiting import FinishListener, finish_channel
from pipelit import events


async def settle(predicate, seconds=5.0):
    for _ in range(int(seconds / 0.01)):
        if predicate():
            return True
        await asyncio.sleep(0.01)
    return predicate()


@pytest.mark.asyncio
async def test_the_listener_answers_with_the_finish_event_and_then_leaves_its_group():
    layer = get_channel_layer()
    inner = layer._get_layer()
    group_channel = inner._get_group_channel_name(events.group_for(finish_channel("wait-1")))
    async with FinishListener("wait-1") as listener:
        for status in ("running", "success"):
            events.broadcast("execution:wait-1", "node_status", {"execution_id": "wait-1", "status": status})
        events.broadcast(
            finish_channel("wait-1"), "execution_completed", {"status": "completed", "final_output": 5}
        )
        finished = await listener.wait(5)
        assert group_channel in inner.groups
    assert finished == {"status": "completed", "final_output": 5}
    assert listener.channel not in inner.sinks
    assert await settle(lambda: group_channel not in inner.groups)
    assert listener.channel not in inner.channels


@pytest.mark.asyncio
async def test_the_listener_gives_up_when_the_wait_runs_out():
    async with FinishListener("wait-2") as listener:
        events.broadcast("execution:wait-2", "node_status", {"execution_id": "wait-2", "status": "running"})
        assert await listener.wait(0.3) is None


@pytest.fixture
def server_loop():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def test_the_thread_side_waiter_joins_on_the_server_loop_answers_and_leaves(server_loop):
    from apps.execution.waiting import FinishWaiter

    def inner_state():
        async def read():
            inner = get_channel_layer()._get_layer()
            return inner, inner._get_group_channel_name(events.group_for(finish_channel("wait-3")))

        return asyncio.run_coroutine_threadsafe(read(), server_loop).result(5)

    waiter = FinishWaiter("wait-3", server_loop)
    waiter.joined()
    inner, group_channel = inner_state()
    assert waiter.channel in inner.sinks and group_channel in inner.groups
    events.broadcast("execution:wait-3", "node_status", {"execution_id": "wait-3", "status": "running"})
    events.broadcast(
        finish_channel("wait-3"), "execution_completed", {"status": "completed", "final_output": 7}
    )
    assert waiter.wait(5) == {"status": "completed", "final_output": 7}
    waiter.leave()
    for _ in range(500):
        if waiter.channel not in inner.sinks and group_channel not in inner.groups:
            break
        time.sleep(0.01)
    assert waiter.channel not in inner.sinks and group_channel not in inner.groups


def test_the_thread_side_waiter_gives_up_when_the_wait_runs_out(server_loop):
    from apps.execution.waiting import FinishWaiter

    waiter = FinishWaiter("wait-4", server_loop)
    waiter.joined()
    assert waiter.wait(0.2) is None
    waiter.leave()
