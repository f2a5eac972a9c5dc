"""events.broadcast: one path from any process to Channels groups, in order, after commit."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from pipelit import events


def test_group_names_are_valid_channels_group_names():
    assert events.group_for("workflow:my-flow_1") == "pipelit.workflow.my-flow_1"
    odd = events.group_for("workflow:weird slug/ü")
    assert odd.startswith("pipelit.workflow.") and " " not in odd and len(odd) < 100


def listen(channel, publish, count, timeout=3):
    """Join `channel`'s group on a raw layer channel, run `publish()` (sync), collect `count` messages.

    Everything happens on one event loop, as channels-redis requires.
    """
    layer = get_channel_layer()

    async def scenario():
        name = await layer.new_channel()
        await layer.group_add(events.group_for(channel), name)
        await sync_to_async(publish)()
        received = []
        try:
            while len(received) < max(count, 1):
                received.append(await asyncio.wait_for(layer.receive(name), timeout if count else 0.3))
        except TimeoutError:
            pass
        return received

    return async_to_sync(scenario)()


def test_events_arrive_in_publish_order_with_envelope():
    def publish():
        for i in range(50):
            events.broadcast("workflow:order-test", "node_status", {"execution_id": "x", "seq": i})

    messages = listen("workflow:order-test", publish, 50)
    assert [m["event"]["data"]["seq"] for m in messages] == list(range(50))
    first = messages[0]["event"]
    assert first["type"] == "node_status" and first["channel"] == "workflow:order-test"
    assert first["execution_id"] == "x"


@pytest.mark.django_db(transaction=True)
def test_broadcast_on_commit_is_silent_when_the_transaction_rolls_back():
    def rolled_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            events.broadcast_on_commit("workflow:rollback-test", "node_created", {"node_id": "a"})
            raise RuntimeError("roll back")

    assert listen("workflow:rollback-test", rolled_back, 0) == []

    def committed():
        with transaction.atomic():
            events.broadcast_on_commit(["workflow:rollback-test"], "node_created", {"node_id": "b"})

    assert listen("workflow:rollback-test", committed, 1)[0]["event"]["data"] == {"node_id": "b"}
