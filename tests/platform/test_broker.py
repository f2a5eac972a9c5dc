"""The broker transport reuses one redis-py client per channel and keeps kombu's delivery guarantees."""

import uuid

import kombu
import pytest
import redis
from kombu import Connection

from pipelit import broker
from pipelit.celery import app


@pytest.fixture
def queue_name():
    name = f"pipelit-test-broker-{uuid.uuid4().hex[:8]}"
    yield name
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete(name)


@pytest.fixture
def redis_clients_built(monkeypatch):
    """Counts redis.Redis objects built from now on (the transport's cost this module removes)."""
    built = []
    original = redis.Redis.__init__

    def counting_init(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting_init)
    return built


def test_the_app_publishes_and_consumes_through_pipelit_broker():
    with app.connection_for_write() as conn:
        assert isinstance(conn.transport, broker.Transport)
        assert conn.transport.driver_type == "redis"  # Celery's redis-only features stay on


def test_the_pinned_kombu_is_the_one_the_client_reuse_was_checked_against():
    """On a kombu upgrade this fails: re-read kombu's Channel._create_client and conn_or_acquire, then
    move broker.CHECKED_KOMBU (until then the stock behaviour is used)."""
    assert tuple(kombu.VERSION[:2]) == broker.CHECKED_KOMBU
    assert broker.REUSES_CLIENT


def test_publishes_deliveries_and_acks_build_no_redis_client_after_the_first(queue_name, redis_clients_built):
    with app.connection_for_write() as conn, conn.SimpleQueue(queue_name) as queue:
        queue.put({"n": 0})
        queue.get(timeout=5).ack()
        warm = len(redis_clients_built)
        for n in range(1, 6):
            queue.put({"n": n})
        received = []
        for _ in range(5):
            message = queue.get(timeout=5)
            received.append(message.payload["n"])
            message.ack()
        assert received == [1, 2, 3, 4, 5]
        assert len(redis_clients_built) == warm


def test_an_unacked_delivery_is_recorded_until_its_ack_and_restored_when_the_channel_closes(queue_name):
    """acks_late and the visibility timeout rest on this: QoS.append records each delivery in the
    unacked hash, an ack removes it, and a delivery never acked goes back on the queue."""
    with app.connection_for_write() as conn:
        channel = conn.channel()
        with conn.SimpleQueue(queue_name, channel=channel) as queue:
            queue.put({"n": 1})
            queue.put({"n": 2})
            first = queue.get(timeout=5)
            tag = first.delivery_tag
            assert channel.client.hexists(channel.unacked_key, tag)
            first.ack()
            assert not channel.client.hexists(channel.unacked_key, tag)
            second = queue.get(timeout=5)
            assert second.payload == {"n": 2}
            assert channel.client.hexists(channel.unacked_key, second.delivery_tag)
        # closed without an ack: the message is back on its queue for the next consumer
    with (
        Connection(app.conf.broker_url, transport=broker.Transport) as conn,
        conn.SimpleQueue(queue_name) as queue,
    ):
        again = queue.get(timeout=5)
        assert again.payload == {"n": 2}
        again.ack()


def test_after_kombu_drops_its_pool_the_channel_builds_a_client_on_the_new_one(queue_name):
    """kombu replaces a channel's pool after a fork or a reconnect: the kept client must follow it."""
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        with channel.conn_or_acquire() as before:
            pass
        channel._disconnect_pools()
        with channel.conn_or_acquire() as after:
            assert after is not before
            assert after.connection_pool is channel.pool
        with conn.SimpleQueue(queue_name) as queue:
            queue.put({"n": 1})
            message = queue.get(timeout=5)
            assert message.payload == {"n": 1}
            message.ack()
