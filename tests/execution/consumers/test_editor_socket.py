"""The editor socket: session login required, htmx out-of-band fragments for each event."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from pipelit import events
from pipelit.asgi import application
from tests.factories import UserFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def allow_rooms():
    events.register_channel_authorizer("room", lambda user, ident: ident.startswith(user.username))
    yield
    events._AUTHORIZERS.pop("room", None)


@sync_to_async
def session_cookie(username="carol"):
    user = UserFactory(username=username)
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def open_socket(query, cookie=None):
    headers = [(b"cookie", cookie.encode())] if cookie else []
    communicator = WebsocketCommunicator(application, f"/ws/editor/{query}", headers=headers)
    await communicator.connect()
    return communicator


async def test_anonymous_browser_is_closed():
    communicator = await open_socket("?channel=room:x")
    message = await communicator.receive_output(timeout=3)
    assert message["type"] == "websocket.close" and message["code"] == 1008


async def test_forbidden_channel_closes_the_socket(allow_rooms):
    communicator = await open_socket("?channel=room:someone-else", await session_cookie())
    message = await communicator.receive_output(timeout=3)
    assert message["type"] == "websocket.close" and message["code"] == 1008


async def test_node_status_becomes_an_oob_badge_and_event_json(allow_rooms):
    communicator = await open_socket("?channel=room:carol-1", await session_cookie())
    await sync_to_async(events.broadcast)(
        "room:carol-1",
        "node_status",
        {"execution_id": "e-1", "node_id": "code_1", "status": "success", "output": {"value": 42}},
    )
    html = await communicator.receive_from(timeout=3)
    assert 'id="badge-code_1"' in html
    assert 'hx-swap-oob="true"' in html
    assert "node-badge--success" in html
    assert "&quot;value&quot;: 42" in html  # pretty JSON for the output popover, escaped
    assert 'id="pipelit-events"' in html
    start = html.index('data-event-type="node_status">') + len('data-event-type="node_status">')
    payload = html[start : html.index("</script>", start)]
    assert json.loads(payload.replace("&quot;", '"'))["data"]["node_id"] == "code_1"
    await communicator.disconnect()


async def test_chat_message_is_appended_to_the_chat_panel(allow_rooms):
    communicator = await open_socket("?channel=room:carol-2", await session_cookie())
    await sync_to_async(events.broadcast)(
        "room:carol-2", "chat_message", {"execution_id": "e-2", "role": "assistant", "text": "42 <b>"}
    )
    html = await communicator.receive_from(timeout=3)
    assert 'id="chat-live" hx-swap-oob="beforeend"' in html
    assert "42 &lt;b&gt;" in html
    await communicator.disconnect()
