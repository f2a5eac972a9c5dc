"""The Celery application shared by workers, beat and the web process (to enqueue)."""

import gc
import importlib
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init, worker_process_init

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


# What an execution loads (LangGraph and what it pulls in: ~650 modules).
ENGINE_MODULES = (
    "apps.execution.orchestrator",
    "apps.execution.checkpoints",
    "langgraph.checkpoint.serde.jsonplus",
)
#: The pid of the process that loaded the engine here: a forked pool child inherits its parent's.
engine_loaded_by: int | None = None


def _load_engine_and_freeze() -> None:
    """Load the engine, then leave everything loaded so far out of the collector's sight
    (gc.freeze): a full collection skips the modules' ~200,000 objects (98 ms -> 0.5 ms in a
    child-like process after the bench's executions; otherwise a stall of the run in hand). Not
    collected first: in a forked child that would write to every inherited object (copy on write)."""
    global engine_loaded_by
    from django.conf import settings

    saver = "langgraph.checkpoint.postgres" if settings.IS_POSTGRES else "langgraph.checkpoint.sqlite"
    for module in (*ENGINE_MODULES, saver):
        importlib.import_module(module)
    if engine_loaded_by is None:
        engine_loaded_by = os.getpid()
    gc.freeze()


@worker_init.connect
def _load_engine_before_forking(**kwargs) -> None:
    """The worker's main process, before it forks its pool (and embedded beat): the children inherit
    the engine's pages instead of each importing its own copy."""
    _load_engine_and_freeze()


@worker_process_init.connect
def _freeze_in_pool_child(**kwargs) -> None:
    """A pool child, before its first task (the engine is loaded already where the pool was forked
    by a worker; loaded here otherwise)."""
    _load_engine_and_freeze()
