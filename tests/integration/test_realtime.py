"""Events reach API sockets on live daphne servers from a real worker and from REST mutations."""

import json
import time

import httpx
import pytest
from websockets.sync.client import connect

from tests.conftest import client_for
from tests.execution.builders import code_chain
from tests.factories import UserFactory
from tests.support.live import start_asgi_server

pytestmark = [pytest.mark.integration]


class Socket:
    def __init__(self, ws_url, key):
        self._connection = connect(f"{ws_url}/ws/?token={key}", open_timeout=10)
        self.ws = self._connection.__enter__()

    def send(self, **message):
        self.ws.send(json.dumps(message))

    def recv(self, timeout=10):
        return json.loads(self.ws.recv(timeout=timeout))

    def subscribe(self, channel):
        self.send(type="subscribe", channel=channel)
        return self.recv()

    def events_until(self, predicate, timeout=20):
        """Collect events (ignoring pings) until one satisfies `predicate`."""
        seen, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            event = self.recv(timeout=max(0.1, deadline - time.monotonic()))
            if event.get("type") == "ping":
                continue
            seen.append(event)
            if predicate(event):
                return seen
        raise AssertionError(f"no matching event; saw {[e.get('type') for e in seen]}")

    def quiet(self, seconds=1.0):
        try:
            while True:
                event = json.loads(self.ws.recv(timeout=seconds))
                if event.get("type") != "ping":
                    return event
        except TimeoutError:
            return None

    def close(self):
        self._connection.__exit__(None, None, None)


@pytest.fixture
def alice(live_url):
    client = client_for(UserFactory(username="alice-rt"))
    return client


def test_subscriber_sees_every_node_and_completion_others_see_nothing(asgi_server, alice, celery_worker):
    workflow = code_chain(owner=alice.user, count=5)
    other = code_chain(owner=alice.user, count=1)
    watcher, bystander = Socket(asgi_server.ws_url, alice.raw_key), Socket(asgi_server.ws_url, alice.raw_key)
    assert watcher.subscribe(f"workflow:{workflow.slug}") == {
        "type": "subscribed",
        "channel": f"workflow:{workflow.slug}",
    }
    assert bystander.subscribe(f"workflow:{other.slug}")["type"] == "subscribed"

    response = httpx.post(
        f"{asgi_server.url}/api/v1/workflows/{workflow.slug}/execute/",
        json={},
        headers={"Authorization": f"Bearer {alice.raw_key}"},
        timeout=10,
    )
    execution_id = response.json()["execution_id"]
    events = watcher.events_until(lambda e: e["type"] == "execution_completed")
    assert events[0]["type"] == "execution_started"
    node_events = [(e["data"]["node_id"], e["data"]["status"]) for e in events if e["type"] == "node_status"]
    expected_nodes = ["trigger", "code_1", "code_2", "code_3", "code_4", "code_5"]
    assert node_events == [pair for node in expected_nodes for pair in ((node, "running"), (node, "success"))]
    completed = events[-1]
    assert completed["execution_id"] == execution_id and completed["channel"] == f"workflow:{workflow.slug}"
    assert completed["data"]["final_output"] == {"output": 5}
    assert bystander.quiet(1.0) is None
    watcher.close()
    bystander.close()


def test_private_workflows_of_others_cannot_be_subscribed(asgi_server, alice):
    workflow = code_chain(owner=UserFactory(), count=1)
    socket = Socket(asgi_server.ws_url, alice.raw_key)
    refusal = socket.subscribe(f"workflow:{workflow.slug}")
    assert refusal["type"] == "error" and refusal["channel"] == f"workflow:{workflow.slug}"
    assert socket.subscribe(f"execution:{'0' * 32}")["type"] == "error"
    socket.close()


def test_rest_node_patch_reaches_the_subscriber_as_node_updated(asgi_server, alice):
    workflow = code_chain(owner=alice.user, count=1)
    socket = Socket(asgi_server.ws_url, alice.raw_key)
    socket.subscribe(f"workflow:{workflow.slug}")
    response = httpx.patch(
        f"{asgi_server.url}/api/v1/workflows/{workflow.slug}/nodes/code_1/",
        json={"position_x": 321},
        headers={"Authorization": f"Bearer {alice.raw_key}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    event = socket.events_until(lambda e: e["type"] == "node_updated")[-1]
    assert event["data"]["node_id"] == "code_1" and event["data"]["position_x"] == 321
    assert "config" in event["data"]
    socket.close()


def test_two_daphne_instances_share_events_through_redis(asgi_server, alice, celery_worker):
    second = start_asgi_server(name="daphne-second")
    try:
        workflow = code_chain(owner=alice.user, count=2)
        sockets = [Socket(asgi_server.ws_url, alice.raw_key), Socket(second.ws_url, alice.raw_key)]
        for socket in sockets:
            assert socket.subscribe(f"workflow:{workflow.slug}")["type"] == "subscribed"
        httpx.post(
            f"{second.url}/api/v1/workflows/{workflow.slug}/execute/",
            json={},
            headers={"Authorization": f"Bearer {alice.raw_key}"},
            timeout=10,
        )
        streams = [s.events_until(lambda e: e["type"] == "execution_completed") for s in sockets]
        assert [e["type"] for e in streams[0]] == [e["type"] for e in streams[1]]
        assert len(streams[0]) == 1 + 3 * 2 + 1
        for socket in sockets:
            socket.close()
    finally:
        second.process.stop()


def test_back_to_back_runs_reach_every_socket_complete_and_in_order(asgi_server, alice, celery_worker):
    """Events are written to the sockets straight from the layer's reader (pipelit.channel_layer):
    per execution the order is the worker's, nothing is lost, and a socket that subscribes while
    events flow hears "subscribed" before any of them."""
    workflow = code_chain(owner=alice.user, count=2)
    channel = f"workflow:{workflow.slug}"
    sockets = [Socket(asgi_server.ws_url, alice.raw_key) for _ in range(3)]
    for socket in sockets:
        assert socket.subscribe(channel)["type"] == "subscribed"
    headers = {"Authorization": f"Bearer {alice.raw_key}"}
    runs = [
        httpx.post(
            f"{asgi_server.url}/api/v1/workflows/{workflow.slug}/execute/",
            json={},
            headers=headers,
            timeout=10,
        ).json()["execution_id"]
        for _ in range(3)
    ]
    late = Socket(asgi_server.ws_url, alice.raw_key)
    assert late.subscribe(channel) == {"type": "subscribed", "channel": channel}
    expected = ["execution_started", *["node_status"] * 6, "execution_completed"]
    nodes = [(n, s) for n in ("trigger", "code_1", "code_2") for s in ("running", "success")]
    for socket in sockets:
        events = socket.events_until(completed_all(runs), timeout=60)
        for execution_id in runs:
            mine = [e for e in events if e.get("execution_id") == execution_id]
            assert [e["type"] for e in mine] == expected
            assert [
                (e["data"]["node_id"], e["data"]["status"]) for e in mine if e["type"] == "node_status"
            ] == nodes
        socket.close()
    late.close()


def completed_all(execution_ids):
    """A predicate for `events_until` that holds once every execution has completed."""
    pending = set(execution_ids)

    def check(event):
        if event["type"] == "execution_completed":
            pending.discard(event["execution_id"])
        return not pending

    return check
