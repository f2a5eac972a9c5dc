"""events.broadcast: one path from any process to Channels groups, in order, after commit."""

import asyncio
import datetime
import json
import uuid

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
    assert [events.event_of(m)["data"]["seq"] for m in messages] == list(range(50))
    first = events.event_of(messages[0])
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

    assert events.event_of(listen("workflow:rollback-test", committed, 1)[0])["data"] == {"node_id": "b"}


@pytest.mark.parametrize(
    "data",
    [
        {"execution_id": "e-1", "node_id": "n", "status": "success", "output": {"x": [1, 2.5, None, True]}},
        {
            "execution_id": uuid.UUID(int=7),
            "when": datetime.datetime(2026, 1, 2, 3, 4, 5),
            "text": 'ü " \n </script>',
        },
        {"slug": "no-execution", 3: "int key", "nan": float("nan")},
        ["not", "a", "dict"],
    ],
)
def test_each_channel_gets_the_json_of_its_envelope_with_the_data_serialised_once(monkeypatch, data):
    monkeypatch.setattr(events.time, "time", lambda: 1764160000.123456)
    channels = ["workflow:wf-ü", "execution:e-1", "waiters:abc"]
    assert events.envelope_texts(channels, "node_status", data) == [
        json.dumps(events.envelope(channel, "node_status", data), default=str) for channel in channels
    ]


def test_broadcast_many_sends_each_event_once_as_text_on_every_channel():
    def publish():
        events.broadcast_many(
            ["workflow:once-a", "execution:once-b"], "node_status", {"execution_id": "e", "n": 1}
        )

    [message] = listen("execution:once-b", publish, 1)
    assert set(message) == {"type", "text"}  # no second copy of the event as a dict
    event = events.event_of(message)
    assert event["channel"] == "execution:once-b" and event["data"] == {"execution_id": "e", "n": 1}
    assert message["text"] == json.dumps(event)
