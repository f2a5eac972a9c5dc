"""Waiting for a run's end: a finish channel hears the finish event (never the node events), the server
process keeps one channel for all its waits, and a one-off listener leaves nothing behind."""

import asyncio
import threading

import pytest
from channels.layers import get_channel_layer
from redis.exceptions import RedisError

from apps.execution import waiting
from apps.execution.services.executions import execution_cancel
from apps.execution.waiting import FinishListener, Waiters, process_waiters
from pipelit import events

from .orchestrator.test_light_plans import pending_chain_run


async def settle(predicate, seconds=5.0):
    for _ in range(int(seconds / 0.01)):
        if predicate():
            return True
        await asyncio.sleep(0.01)
    return predicate()


@pytest.mark.asyncio
async def test_a_listener_answers_with_the_finish_event_of_its_channel_and_then_leaves():
    inner = get_channel_layer()._get_layer()
    async with FinishListener() as listener:
        channel = listener.channel_name
        group_channel = inner._get_group_channel_name(events.group_for(channel))
        events.broadcast(channel, "node_status", {"execution_id": "wait-1", "status": "running"})
        events.broadcast(channel, "execution_completed", {"execution_id": "wait-1", "final_output": 5})
        finished = await listener.wait(5)
        assert group_channel in inner.groups
    assert finished == {"execution_id": "wait-1", "final_output": 5}
    assert listener.member not in inner.sinks
    assert await settle(lambda: group_channel not in inner.groups)


@pytest.mark.asyncio
async def test_a_listener_gives_up_when_the_wait_runs_out():
    async with FinishListener() as listener:
        events.broadcast(listener.channel_name, "node_status", {"execution_id": "wait-2"})
        assert await listener.wait(0.3) is None


@pytest.fixture
def server_loop():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def on_loop(loop, coroutine_function):
    return asyncio.run_coroutine_threadsafe(coroutine_function(), loop).result(5)


def test_the_process_waiters_join_once_and_answer_each_wait_with_its_own_run(server_loop):
    waiters = Waiters(server_loop)
    first, second = waiters.expect("run-a"), waiters.expect("run-b")
    events.broadcast(waiters.channel, "execution_failed", {"execution_id": "run-b", "error": "boom"})
    events.broadcast(waiters.channel, "execution_completed", {"execution_id": "run-a", "final_output": 1})
    assert waiting.wait_for(second, 5) == {"execution_id": "run-b", "error": "boom"}
    assert waiting.wait_for(first, 5) == {"execution_id": "run-a", "final_output": 1}
    assert waiters.waiting() == 0

    async def joined():
        inner = get_channel_layer()._get_layer()
        return inner._get_group_channel_name(events.group_for(waiters.channel)) in inner.groups

    assert on_loop(server_loop, joined)  # the channel stays: the next wait needs no SUBSCRIBE
    third = waiters.expect("run-c")
    assert waiting.wait_for(third, 0.2) is None
    waiters.forget("run-c")
    assert waiters.waiting() == 0


def test_the_process_keeps_its_waiters_and_makes_new_ones_after_a_failed_join(server_loop, monkeypatch):
    async def broken(self):
        raise RedisError("redis is down")

    real_join = Waiters._join
    monkeypatch.setattr(waiting, "_process_waiters", None)
    monkeypatch.setattr(Waiters, "_join", broken)
    down = process_waiters(server_loop)
    with pytest.raises(RedisError):
        down.expect("run-x")
    monkeypatch.setattr(Waiters, "_join", real_join)
    again = process_waiters(server_loop)
    assert again is not down and process_waiters(server_loop) is again
    future = again.expect("run-y")
    events.broadcast(again.channel, "execution_cancelled", {"execution_id": "run-y"})
    assert waiting.wait_for(future, 5) == {"execution_id": "run-y"}


@pytest.mark.django_db(transaction=True)
def test_a_run_sends_its_finish_event_to_its_finish_channel(server_loop, user):
    waiters = Waiters(server_loop)
    execution = pending_chain_run(user, count=1)
    execution.finish_channel = waiters.channel
    execution.save(update_fields=["finish_channel"])
    finished = waiters.expect(str(execution.execution_id))
    execution_cancel(execution=execution)
    answer = waiting.wait_for(finished, 5)
    assert answer["status"] == "cancelled" and answer["execution_id"] == str(execution.execution_id)
