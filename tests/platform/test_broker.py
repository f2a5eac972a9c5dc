"""The broker transport reuses one redis-py client per channel, records each delivery as unacked (and
forgets it on ack) with one script call, and keeps kombu's delivery guarantees."""

import json
import time
import uuid

import kombu
import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from kombu import Connection
from kombu.transport import redis as kombu_redis
from redis.credentials import UsernamePasswordCredentialProvider

from pipelit import broker, broker_qos
from pipelit.celery import app
from tests.support.worker import wait_until


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


# --- The unacked index written by one script call per delivery and per ack (pipelit/broker_qos.py) ---

PREFIX = "pipelit-test-prefix:"  # a global_keyprefix transport option


@pytest.fixture
def redis_url():
    return app.conf.broker_url


@pytest.fixture
def unacked_keys():
    """Keys of this test's own: a restore here must not requeue what other tests left unacked."""
    suffix = uuid.uuid4().hex[:8]
    return {"unacked_key": f"test-unacked-{suffix}", "unacked_index_key": f"test-unacked-index-{suffix}"}


@pytest.fixture
def raw_redis(redis_url, unacked_keys):
    client = redis.Redis.from_url(redis_url)
    yield client
    for prefix in ("", PREFIX):
        client.delete(*(prefix + key for key in unacked_keys.values()))
    client.close()


@pytest.fixture
def pipelines(monkeypatch):
    """Every call that reaches kombu's own QoS pipeline (the scripted QoS falls back to it)."""
    calls = []
    for name in ("append", "ack", "reject"):
        original = getattr(kombu_redis.QoS, name)

        def spy(self, *args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(kombu_redis.QoS, name, spy)
    return calls


def open_channel(redis_url, unacked_keys, **options):
    conn = Connection(redis_url, transport=broker.Transport, transport_options={**unacked_keys, **options})
    return conn, conn.channel()


def a_delivered_message(channel):
    raw = channel.prepare_message(
        '{"n": 1}', headers={"task": "t", "id": str(uuid.uuid4())}, content_type="application/json"
    )
    raw["properties"]["delivery_info"] = {"exchange": "", "routing_key": "celery"}
    raw["properties"]["delivery_tag"] = str(uuid.uuid4())
    return channel.Message(raw, channel=channel)


def unacked_record(raw_redis, unacked_keys, tag, prefix=""):
    """The delivery's score in the unacked index and its entry in the unacked hash, as stored."""
    return (
        raw_redis.zscore(prefix + unacked_keys["unacked_index_key"], tag),
        raw_redis.hget(prefix + unacked_keys["unacked_key"], tag),
    )


def test_the_transports_channels_use_the_scripted_qos_on_the_checked_kombu():
    assert broker.SCRIPTS_UNACKED
    with app.connection_for_write() as conn:
        assert isinstance(conn.default_channel.qos, broker_qos.QoS)
        assert conn.default_channel.qos._scripted


@pytest.mark.parametrize("prefix", ["", PREFIX])
def test_a_delivery_is_recorded_under_kombus_keys_with_kombus_score_and_value(
    prefix, redis_url, unacked_keys, raw_redis, pipelines, monkeypatch
):
    conn, channel = open_channel(redis_url, unacked_keys, global_keyprefix=prefix)
    with conn:
        message = a_delivered_message(channel)
        tag = "tag-" + uuid.uuid4().hex
        now = 1764201041.1234567  # as many digits as time() has: the score must survive them all
        monkeypatch.setattr(kombu_redis, "time", lambda: now)
        monkeypatch.setattr(broker_qos, "time", lambda: now)
        kombus_qos = kombu_redis.QoS(channel)
        kombus_qos.append(message, tag)
        kombus = unacked_record(raw_redis, unacked_keys, tag, prefix)
        assert kombus[0] == now and kombus[1] is not None  # kombu's keys carry the prefix
        kombus_qos.ack(tag)
        pipelines.clear()
        qos = broker_qos.QoS(channel)
        qos.append(message, tag)
        assert unacked_record(raw_redis, unacked_keys, tag, prefix) == kombus
        assert qos.get(tag) is message  # and kombu's in-memory bookkeeping
        assert pipelines == []
        qos.ack(tag)


def test_a_deliverys_score_is_the_time_it_was_delivered(redis_url, unacked_keys, raw_redis, pipelines):
    """restore_visible requeues what was delivered more than visibility_timeout seconds ago."""
    conn, channel = open_channel(redis_url, unacked_keys)
    with conn:
        qos = broker_qos.QoS(channel)
        before = time.time()
        qos.append(a_delivered_message(channel), "tag-1")
        score, _ = unacked_record(raw_redis, unacked_keys, "tag-1")
        assert before <= score <= time.time()
        assert pipelines == []
        qos.ack("tag-1")


@pytest.mark.parametrize("prefix", ["", PREFIX])
def test_an_ack_or_a_reject_removes_the_delivery_from_the_index_and_the_hash(
    prefix, redis_url, unacked_keys, raw_redis, pipelines
):
    conn, channel = open_channel(redis_url, unacked_keys, global_keyprefix=prefix)
    with conn:
        qos = broker_qos.QoS(channel)
        message = a_delivered_message(channel)
        for tag in ("acked", "rejected", "kept"):
            qos.append(message, tag)
        qos.ack("acked")
        qos.reject("rejected", requeue=False)
        for tag in ("acked", "rejected"):
            assert unacked_record(raw_redis, unacked_keys, tag, prefix) == (None, None)
            assert tag not in qos._delivered or tag in qos._dirty  # kombu's own bookkeeping
        assert None not in unacked_record(raw_redis, unacked_keys, "kept", prefix)
        assert pipelines == []
        qos.ack("kept")


def test_after_redis_forgets_its_scripts_the_next_call_loads_them_again(
    redis_url, unacked_keys, raw_redis, pipelines
):
    conn, channel = open_channel(redis_url, unacked_keys)
    with conn:
        qos = broker_qos.QoS(channel)
        message = a_delivered_message(channel)
        qos.append(message, "before")
        qos.ack("before")
        raw_redis.script_flush()
        assert raw_redis.script_exists(*broker_qos.SHAS.values()) == [False, False]
        qos.append(message, "after")
        assert None not in unacked_record(raw_redis, unacked_keys, "after")
        qos.ack("after")
        assert unacked_record(raw_redis, unacked_keys, "after") == (None, None)
        assert raw_redis.script_exists(*broker_qos.SHAS.values()) == [True, True]
        assert pipelines == []


def test_a_call_whose_connection_fails_runs_kombus_pipeline_and_the_next_takes_a_new_connection(
    redis_url, unacked_keys, raw_redis, pipelines
):
    conn, channel = open_channel(redis_url, unacked_keys)
    with conn:
        qos = broker_qos.QoS(channel)
        message = a_delivered_message(channel)
        qos.append(message, "first")
        killed = client_id(qos._connection)
        raw_redis.client_kill_filter(_id=killed)  # as a Redis restart or an idle timeout would
        qos.ack("first")
        assert pipelines == ["ack"]
        assert unacked_record(raw_redis, unacked_keys, "first") == (None, None)
        qos.append(message, "second")
        assert None not in unacked_record(raw_redis, unacked_keys, "second")
        assert pipelines == ["ack"]  # scripted again, on a new connection
        assert client_id(qos._connection) != killed
        qos.ack("second")


def client_id(connection) -> int:
    connection.send_command("CLIENT", "ID")
    return connection.read_response()


def test_a_redis_that_refuses_scripts_gets_kombus_pipelines(redis_url, unacked_keys, raw_redis, pipelines):
    user = "pipelit-test-noscript-" + uuid.uuid4().hex[:6]
    raw_redis.acl_setuser(
        user,
        enabled=True,
        passwords=["+pw"],
        keys=["*"],
        channels=["*"],
        commands=["+@all", "-eval", "-evalsha"],
    )
    try:
        url = redis_url.replace("redis://", f"redis://{user}:pw@", 1)
        conn, channel = open_channel(url, unacked_keys)
        with conn:
            qos = broker_qos.QoS(channel)
            message = a_delivered_message(channel)
            qos.append(message, "refused")
            assert pipelines == ["append"]
            assert None not in unacked_record(raw_redis, unacked_keys, "refused")
            qos.ack("refused")
            assert pipelines == ["append", "ack"]
            assert not qos._scripted  # not tried again for every delivery and ack
            assert unacked_record(raw_redis, unacked_keys, "refused") == (None, None)
    finally:
        raw_redis.acl_deluser(user)


def test_a_channel_with_a_credential_provider_keeps_kombus_pipelines(
    redis_url, unacked_keys, raw_redis, pipelines
):
    provider = UsernamePasswordCredentialProvider("default", "unused")  # the default user has nopass
    conn = Connection(
        redis_url, transport=broker.Transport, transport_options=unacked_keys, credential_provider=provider
    )
    with conn:
        channel = conn.channel()
        qos = broker_qos.QoS(channel)
        qos.append(a_delivered_message(channel), "tag-1")
        qos.ack("tag-1")
        assert pipelines == ["append", "ack"]


def test_an_unacked_delivery_is_delivered_again_after_the_visibility_timeout(
    queue_name, redis_url, unacked_keys, raw_redis, pipelines
):
    conn, channel = open_channel(redis_url, unacked_keys, visibility_timeout=1)
    with conn, conn.SimpleQueue(queue_name, channel=channel) as queue:
        queue.put({"n": 1})
        first = queue.get(timeout=5)  # a worker that took it and died: never acked
        channel.qos.restore_visible(interval=1)
        assert raw_redis.llen(queue_name) == 0  # not yet: it was delivered less than 1 s ago
        time.sleep(1.1)
        channel.qos.restore_visible(interval=1)
        assert raw_redis.llen(queue_name) == 1
        with (
            Connection(redis_url, transport=broker.Transport) as other,
            other.SimpleQueue(queue_name) as again,
        ):
            message = again.get(timeout=5)
            assert message.payload == {"n": 1}
            assert message.headers["redelivered"] is True
            message.ack()
        assert unacked_record(raw_redis, unacked_keys, first.delivery_tag) == (None, None)
        assert pipelines == []


@pytest.fixture
def current_app_kept():
    """start_worker makes its app the current and default one; shared tasks (execute_workflow ...)
    resolve against that, so later tests would send to this test's app and queue."""
    from celery import _state

    previous = _state.get_current_app()
    yield
    previous.set_current()
    previous.set_default()


def test_a_celery_worker_with_acks_late_runs_tasks_through_the_scripted_qos(
    queue_name, redis_url, unacked_keys, raw_redis, pipelines, monkeypatch, current_app_kept
):
    """Each task is in the unacked hash while it runs (acks_late) and gone once it returned."""
    scripted = []
    original_run = broker_qos.QoS._run

    def counting_run(self, script, *args):
        ran = original_run(self, script, *args)
        scripted.append((script, ran))
        return ran

    monkeypatch.setattr(broker_qos.QoS, "_run", counting_run)
    worker_app = Celery("pipelit-test-broker", set_as_current=False)
    worker_app.conf.update(
        broker_url=redis_url,
        broker_transport="pipelit.broker:Transport",
        broker_transport_options=unacked_keys,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        task_default_queue=queue_name,
        task_ignore_result=True,
    )
    unacked_while_running = []

    @worker_app.task(bind=True)
    def look_at_own_delivery(self):
        records = [json.loads(value) for value in raw_redis.hvals(unacked_keys["unacked_key"])]
        unacked_while_running.append(
            any(message["headers"]["id"] == self.request.id for message, _, _ in records)
        )

    with start_worker(worker_app, pool="solo", perform_ping_check=False):
        for _ in range(5):
            look_at_own_delivery.delay()
        wait_until(lambda: len(unacked_while_running) == 5, timeout=20)
        wait_until(lambda: raw_redis.hlen(unacked_keys["unacked_key"]) == 0, timeout=10)
    assert unacked_while_running == [True] * 5
    assert raw_redis.zcard(unacked_keys["unacked_index_key"]) == 0
    assert [script for script, ran in scripted if ran].count(broker_qos.RECORD) == 5
    assert [script for script, ran in scripted if ran].count(broker_qos.FORGET) == 5
    assert pipelines == []
