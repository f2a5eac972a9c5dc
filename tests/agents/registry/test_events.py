"""Registry mutations reach `epic:<id>` subscribers through the real Channels layer; who may subscribe."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from apps.agents.models import Epic
from pipelit import events
from tests.factories import AdminFactory, AgentUserFactory, EpicFactory, UserFactory


def listen(channel, publish, count, timeout=3):
    """Join `channel`'s group, run `publish()` (sync), collect `count` events, all on one event loop."""
    layer = get_channel_layer()

    async def scenario():
        name = await layer.new_channel()
        await layer.group_add(events.group_for(channel), name)
        await sync_to_async(publish)()
        received = []
        try:
            while len(received) < count:
                received.append(events.event_of(await asyncio.wait_for(layer.receive(name), timeout)))
        except TimeoutError:
            pass
        await layer.group_discard(events.group_for(channel), name)
        return received

    return async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_epic_and_task_events_carry_full_payloads_in_order(api_client):
    epic = EpicFactory(user=api_client.user)
    channel = f"epic:{epic.pk}"

    def publish():
        task = api_client.post("/api/v1/tasks/", {"epic_id": epic.pk, "title": "t"}, format="json").json()
        api_client.patch(f"/api/v1/epics/{epic.pk}/", {"status": "active"}, format="json")
        api_client.patch(f"/api/v1/tasks/{task['id']}/", {"status": "running"}, format="json")
        api_client.delete(f"/api/v1/tasks/{task['id']}/")
        api_client.delete(f"/api/v1/epics/{epic.pk}/")

    received = listen(channel, publish, 8)
    kinds = [event["type"] for event in received]
    assert kinds == [
        "task_created",
        "epic_updated",
        "epic_updated",
        "task_updated",
        "epic_updated",
        "task_deleted",
        "epic_updated",
        "epic_deleted",
    ], kinds
    assert all(event["channel"] == channel for event in received)
    created = received[0]["data"]
    assert created["epic_id"] == epic.pk and created["status"] == "pending" and "actual_usd" in created
    assert received[1]["data"]["total_tasks"] == 1
    assert received[-1] == {**received[-1], "type": "epic_deleted", "data": {"id": epic.pk}}


@pytest.mark.django_db(transaction=True)
def test_epic_created_reaches_the_new_epics_channel(api_client, monkeypatch):
    monkeypatch.setattr("apps.agents.models.epics.sortable_id", lambda prefix: f"{prefix}FIXEDFORTEST")

    def publish():
        api_client.post("/api/v1/epics/", {"title": "announce", "tags": ["x"]}, format="json")

    (event,) = listen("epic:ep_FIXEDFORTEST", publish, 1)
    assert event["type"] == "epic_created" and event["channel"] == "epic:ep_FIXEDFORTEST"
    assert event["data"]["title"] == "announce" and event["data"]["status"] == "planning"


@pytest.mark.django_db
def test_owner_its_creator_and_admins_may_subscribe_others_may_not():
    owner, stranger, admin = UserFactory(), UserFactory(), AdminFactory()
    agent = AgentUserFactory(created_by=owner)
    epic = EpicFactory(user=owner)
    agents_epic = Epic.objects.create(user=agent, title="delegated")
    assert events.can_subscribe(owner, f"epic:{epic.pk}") == (True, "")
    assert events.can_subscribe(admin, f"epic:{epic.pk}") == (True, "")
    assert events.can_subscribe(owner, f"epic:{agents_epic.pk}") == (True, "")
    allowed, reason = events.can_subscribe(stranger, f"epic:{epic.pk}")
    assert not allowed and "Not allowed" in reason
    assert not events.can_subscribe(owner, "epic:ep_missing")[0]
