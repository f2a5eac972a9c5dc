"""Every graph mutation reaches `workflow:<slug>` subscribers through the real Channels layer (Redis)."""

import asyncio
import uuid

import pytest
from channels.layers import get_channel_layer

from pipelit.events import event_of, group_for
from tests.factories import WorkflowFactory

pytestmark = pytest.mark.django_db


class Listener:
    """Joins the Channels group of a workflow channel and reads events off Redis.

    All calls run on one private event loop: the pub/sub layer only delivers to channels created on
    the loop that listens."""

    def __init__(self, slug: str):
        self.loop = asyncio.new_event_loop()
        self.layer = get_channel_layer()
        self.group = group_for(f"workflow:{slug}")
        self.channel = self.loop.run_until_complete(self.layer.new_channel())
        self.loop.run_until_complete(self.layer.group_add(self.group, self.channel))

    def receive(self, timeout: float = 5.0) -> dict:
        message = self.loop.run_until_complete(asyncio.wait_for(self.layer.receive(self.channel), timeout))
        return event_of(message)

    def close(self):
        self.loop.run_until_complete(self.layer.group_discard(self.group, self.channel))
        self.loop.close()


@pytest.fixture
def workflow(user):
    return WorkflowFactory(owner=user, slug=f"ev-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def listener(workflow):
    listener = Listener(workflow.slug)
    yield listener
    listener.close()


def test_node_and_edge_events_carry_full_payloads(
    api_client, workflow, listener, django_capture_on_commit_callbacks
):
    base = f"/api/v1/workflows/{workflow.slug}"
    with django_capture_on_commit_callbacks(execute=True):
        chat = api_client.post(
            f"{base}/nodes/", {"node_id": "chat", "component_type": "trigger_chat"}, format="json"
        )
    event = listener.receive()
    assert event["type"] == "node_created"
    assert event["channel"] == f"workflow:{workflow.slug}"
    assert event["data"] == chat.json()

    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(f"{base}/nodes/", {"node_id": "code", "component_type": "code"}, format="json")
        edge = api_client.post(
            f"{base}/edges/", {"source_node_id": "chat", "target_node_id": "code"}, format="json"
        )
    assert listener.receive()["type"] == "node_created"
    event = listener.receive()
    assert event["type"] == "edge_created" and event["data"] == edge.json()

    edge_id = edge.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        updated = api_client.patch(f"{base}/edges/{edge_id}/", {"priority": 3}, format="json")
    event = listener.receive()
    assert event["type"] == "edge_updated" and event["data"] == updated.json()

    with django_capture_on_commit_callbacks(execute=True):
        moved = api_client.patch(f"{base}/nodes/code/", {"position_x": 42}, format="json")
    event = listener.receive()
    assert event["type"] == "node_updated" and event["data"] == moved.json()

    with django_capture_on_commit_callbacks(execute=True):
        api_client.delete(f"{base}/edges/{edge_id}/")
    event = listener.receive()
    assert (event["type"], event["data"]) == ("edge_deleted", {"id": edge_id})

    with django_capture_on_commit_callbacks(execute=True):
        api_client.delete(f"{base}/nodes/code/")
    event = listener.receive()
    assert event["type"] == "node_deleted" and event["data"] == {"node_id": "code"}


def test_edge_deleted_event_is_just_the_id(
    api_client, workflow, listener, django_capture_on_commit_callbacks
):
    base = f"/api/v1/workflows/{workflow.slug}"
    api_client.post(f"{base}/nodes/", {"node_id": "a", "component_type": "trigger_manual"}, format="json")
    api_client.post(f"{base}/nodes/", {"node_id": "b", "component_type": "code"}, format="json")
    edge_id = api_client.post(
        f"{base}/edges/", {"source_node_id": "a", "target_node_id": "b"}, format="json"
    ).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        api_client.delete(f"{base}/edges/{edge_id}/")
    event = listener.receive()
    assert (event["type"], event["data"]) == ("edge_deleted", {"id": edge_id})


def test_deleting_a_node_announces_its_edges_too(
    api_client, workflow, listener, django_capture_on_commit_callbacks
):
    base = f"/api/v1/workflows/{workflow.slug}"
    api_client.post(f"{base}/nodes/", {"node_id": "a", "component_type": "trigger_manual"}, format="json")
    api_client.post(f"{base}/nodes/", {"node_id": "b", "component_type": "code"}, format="json")
    edge_id = api_client.post(
        f"{base}/edges/", {"source_node_id": "a", "target_node_id": "b"}, format="json"
    ).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        api_client.delete(f"{base}/nodes/b/")
    assert [(e["type"], e["data"]) for e in (listener.receive(), listener.receive())] == [
        ("edge_deleted", {"id": edge_id}),
        ("node_deleted", {"node_id": "b"}),
    ]


def test_workflow_updated_goes_to_old_and_new_slug(
    api_client, workflow, listener, django_capture_on_commit_callbacks
):
    new_slug = f"{workflow.slug}-renamed"
    renamed = Listener(new_slug)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            body = api_client.patch(
                f"/api/v1/workflows/{workflow.slug}/", {"slug": new_slug}, format="json"
            ).json()
        for who in (listener, renamed):
            event = who.receive()
            assert event["type"] == "workflow_updated" and event["data"] == body
    finally:
        renamed.close()


def test_rejected_edge_broadcasts_nothing(api_client, workflow, listener, django_capture_on_commit_callbacks):
    base = f"/api/v1/workflows/{workflow.slug}"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_client.post(
            f"{base}/edges/", {"source_node_id": "x", "target_node_id": "y"}, format="json"
        )
    assert response.status_code == 422
    assert callbacks == []
