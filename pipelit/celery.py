"""The Celery application shared by workers, beat and the web process (to enqueue)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipelit.settings")

app = Celery("pipelit")
# Celery looks settings up on every send and receive (eager mode, repr limits, sent events, pool
# timeout...), each in four spellings; through Django's LazySettings proxy a setting left at Celery's
# default costs four AttributeErrors, ~25 µs a lookup and ~0.1 ms a send. A dict of the same Django
# settings answers the same in a third of that. It is read once, when Celery first needs its config:
# a setting changed later at run time (override_settings) does not reach Celery — nothing does that.
app.config_from_object("pipelit.celery_config:SETTINGS", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _tidy_database_connections(task=None, **kwargs) -> None:
    """What Django does around each request: drop connections that are broken or older than
    CONN_MAX_AGE (settings.CELERY_DB_REUSE_MAX keeps Celery from closing them all). Not for a task
    run in the caller's own thread (`apply()`): its connection is the caller's."""
    from django.db import close_old_connections

    if task is not None and getattr(task.request, "is_eager", False):
        return

    close_old_connections()
