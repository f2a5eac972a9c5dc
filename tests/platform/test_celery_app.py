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
