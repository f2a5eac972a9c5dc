"""The JSON API socket lets an epic's owner follow `epic:<id>` and refuses strangers."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from apps.agents import services
from pipelit.asgi import application
from tests.factories import EpicFactory, UserFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@sync_to_async
def setup():
    owner, stranger = UserFactory(username="owner"), UserFactory(username="stranger")
    epic = EpicFactory(user=owner, status="active")
    keys = {user.username: services.api_key_create(user=user).raw_key for user in (owner, stranger)}
    return epic, keys


async def open_socket(raw_key):
    communicator = WebsocketCommunicator(application, f"/ws/?token={raw_key}")
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_owner_receives_task_events_and_a_stranger_is_refused():
    epic, keys = await setup()
    channel = f"epic:{epic.pk}"
    owner = await open_socket(keys["owner"])
    await owner.send_json_to({"type": "subscribe", "channel": channel})
    assert await owner.receive_json_from() == {"type": "subscribed", "channel": channel}

    task = await sync_to_async(services.task_create)(epic=epic, title="watch me")
    event = await owner.receive_json_from(timeout=3)
    assert event["type"] == "task_created" and event["channel"] == channel
    assert event["data"]["id"] == task.pk
    assert (await owner.receive_json_from(timeout=3))["type"] == "epic_updated"
    await owner.disconnect()

    stranger = await open_socket(keys["stranger"])
    await stranger.send_json_to({"type": "subscribe", "channel": channel})
    answer = await stranger.receive_json_from()
    assert answer["type"] == "error" and "Not allowed" in answer["message"]
    await stranger.disconnect()
