"""FinishListener: a waiting request hears its execution's end, ignores the node events, and leaves no
subscription behind."""

import asyncio

import pytest
from channels.layers import get_channel_layer

from apps.execution.waiting import FinishListener
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
    group_channel = inner._get_group_channel_name(events.group_for("execution:wait-1"))
    async with FinishListener("wait-1") as listener:
        for status in ("running", "success"):
            events.broadcast("execution:wait-1", "node_status", {"execution_id": "wait-1", "status": status})
        events.broadcast(
            "execution:wait-1", "execution_completed", {"status": "completed", "final_output": 5}
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
