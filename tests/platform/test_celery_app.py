"""The Celery app keeps a worker's database connection from task to task, under Django's own rules."""

import time
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from pipelit.celery import _tidy_database_connections, app

TASK = SimpleNamespace(request=SimpleNamespace(is_eager=False))


@pytest.mark.django_db(transaction=True)
def test_celerys_django_fixup_no_longer_closes_the_connection_around_each_task():
    fixup = DjangoWorkerFixup(app)
    connection.ensure_connection()
    opened = connection.connection
    for _ in range(3):
        fixup.on_task_prerun(sender=TASK)
        fixup.on_task_postrun(sender=TASK)
    assert connection.connection is opened


@pytest.mark.django_db(transaction=True)
def test_around_each_task_a_connection_past_conn_max_age_is_closed_and_a_fresh_one_kept():
    connection.ensure_connection()
    opened = connection.connection
    _tidy_database_connections(task=TASK)
    assert connection.connection is opened
    connection.close_at = time.monotonic() - 1  # older than CONN_MAX_AGE
    _tidy_database_connections(task=TASK)
    assert connection.connection is None


def test_celery_takes_its_configuration_from_the_django_settings():
    """pipelit/celery_config.py copies the settings once; Celery must still see each CELERY_* one."""
    from django.conf import settings

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.task_ignore_result is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.broker_transport_options == {"visibility_timeout": 3600}
    assert app.conf.broker_url == settings.REDIS_URL
    assert app.conf.broker_transport == "pipelit.broker:Transport"
    assert app.conf.db_reuse_max == settings.CELERY_DB_REUSE_MAX
    assert app.conf.task_always_eager is settings.CELERY_TASK_ALWAYS_EAGER


@pytest.mark.django_db(transaction=True)
def test_a_pool_child_inherits_the_engine_loaded_and_frozen_by_the_worker(celery_worker):
    import json
    import uuid

    import redis
    from django.conf import settings

    from tests.support.worker import wait_until

    key = f"pipelit-test-gc-freeze-{uuid.uuid4().hex}"
    app.send_task("pipelit_test.report_gc_freeze", args=[key])
    store = redis.Redis.from_url(settings.REDIS_URL)
    report = json.loads(wait_until(lambda: store.get(key), timeout=30, message="no report from the worker"))
    store.delete(key)
    assert report["pid"] != celery_worker.proc.pid  # a pool child, not the worker's main process
    assert report["frozen"] > 100_000  # LangGraph and the rest of the engine, loaded then frozen
    # Loaded by the worker's main process before it forked the pool, so the children share its pages.
    assert report["engine_loaded_by"] == celery_worker.proc.pid
