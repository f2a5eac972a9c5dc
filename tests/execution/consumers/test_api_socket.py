"""The JSON API socket: key auth at connect, subscribe protocol, errors that keep the socket open, heartbeat."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from apps.agents import services as agent_services
from pipelit import events
from pipelit.asgi import application
from tests.factories import UserFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def allow_test_channels():
    """A channel kind `room:<name>` where only names starting with the username's are visible."""
    events.register_channel_authorizer("room", lambda user, ident: ident.startswith(user.username))
    yield
    events._AUTHORIZERS.pop("room", None)


@sync_to_async
def make_key(username="alice", active=True):
    user = UserFactory(username=username)
    issued = agent_services.api_key_create(user=user)
    if not active:
        agent_services.api_key_revoke(api_key=issued.api_key)
    return issued.raw_key


async def connect(path):
    communicator = WebsocketCommunicator(application, path)
    connected, _ = await communicator.connect()
    return communicator, connected


async def expect_closed(communicator, code=1008):
    message = await communicator.receive_output(timeout=3)
    assert message["type"] == "websocket.close"
    assert message["code"] == code
    return message


@pytest.mark.parametrize("query", ["", "?token=", "?token=plt_wrong"])
async def test_missing_or_invalid_token_is_closed_with_1008(query):
    communicator, connected = await connect(f"/ws/{query}")
    assert connected
    message = await expect_closed(communicator)
    assert message.get("reason") == "Invalid or missing token"


async def test_revoked_key_is_closed_with_1008():
    raw_key = await make_key(active=False)
    communicator, _ = await connect(f"/ws/?token={raw_key}")
    await expect_closed(communicator)


async def test_subscribe_receive_event_and_unsubscribe(allow_test_channels):
    raw_key = await make_key()
    communicator, _ = await connect(f"/ws/?token={raw_key}")
    await communicator.send_json_to({"type": "subscribe", "channel": "room:alice-1"})
    assert await communicator.receive_json_from() == {"type": "subscribed", "channel": "room:alice-1"}

    await sync_to_async(events.broadcast)(
        "room:alice-1", "node_status", {"execution_id": "e1", "status": "running"}
    )
    event = await communicator.receive_json_from(timeout=3)
    assert event["type"] == "node_status"
    assert event["channel"] == "room:alice-1"
    assert event["data"] == {"execution_id": "e1", "status": "running"}
    assert event["execution_id"] == "e1"
    assert isinstance(event["timestamp"], float)

    await communicator.send_json_to({"type": "unsubscribe", "channel": "room:alice-1"})
    assert await communicator.receive_json_from() == {"type": "unsubscribed", "channel": "room:alice-1"}
    await sync_to_async(events.broadcast)("room:alice-1", "node_status", {"status": "success"})
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_forbidden_channel_is_refused_with_an_error_and_socket_stays_open(allow_test_channels):
    raw_key = await make_key()
    communicator, _ = await connect(f"/ws/?token={raw_key}")
    await communicator.send_json_to({"type": "subscribe", "channel": "room:bob-private"})
    refusal = await communicator.receive_json_from()
    assert refusal["type"] == "error"
    assert refusal["channel"] == "room:bob-private"
    await communicator.send_json_to({"type": "subscribe", "channel": "nosuchkind:x"})
    assert "Unknown channel kind" in (await communicator.receive_json_from())["message"]
    # Still open and working.
    await communicator.send_json_to({"type": "subscribe", "channel": "room:alice"})
    assert (await communicator.receive_json_from())["type"] == "subscribed"
    await communicator.disconnect()


async def test_malformed_json_and_unknown_types_get_errors_and_socket_stays_open():
    raw_key = await make_key()
    communicator, _ = await connect(f"/ws/?token={raw_key}")
    await communicator.send_to(text_data="{not json")
    assert await communicator.receive_json_from() == {"type": "error", "message": "Malformed JSON."}
    await communicator.send_json_to({"type": "dance"})
    assert (await communicator.receive_json_from())["message"] == "Unknown message type 'dance'."
    await communicator.send_json_to(["a list"])
    assert (await communicator.receive_json_from())["type"] == "error"
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


async def test_server_pings_and_closes_a_client_that_stops_answering(settings):
    settings.PIPELIT_WS_PING_INTERVAL = 0.2
    settings.PIPELIT_WS_PONG_TIMEOUT = 0.2
    raw_key = await make_key()
    communicator, _ = await connect(f"/ws/?token={raw_key}")
    assert await communicator.receive_json_from(timeout=2) == {"type": "ping"}
    await communicator.send_json_to({"type": "pong"})
    assert await communicator.receive_json_from(timeout=2) == {"type": "ping"}
    # No pong this time: the server gives up.
    message = await expect_closed(communicator)
    assert message.get("reason") == "Heartbeat timeout"


async def test_a_client_that_answers_stays_connected(settings):
    settings.PIPELIT_WS_PING_INTERVAL = 0.1
    settings.PIPELIT_WS_PONG_TIMEOUT = 0.1
    raw_key = await make_key()
    communicator, _ = await connect(f"/ws/?token={raw_key}")
    for _ in range(4):
        assert await communicator.receive_json_from(timeout=2) == {"type": "ping"}
        await communicator.send_json_to({"type": "pong"})
    await asyncio.sleep(0.05)
    await communicator.send_json_to({"type": "ping"})
    reply = await communicator.receive_json_from(timeout=2)
    assert reply["type"] in {"pong", "ping"}
    await communicator.disconnect()
