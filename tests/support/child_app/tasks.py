"""Test-only tasks run by the suite's worker subprocesses: they report what a pool child holds."""

import gc
import json
import os

import redis
from celery import shared_task
from django.conf import settings


@shared_task(name="pipelit_test.report_gc_freeze", ignore_result=True)
def report_gc_freeze(key: str) -> None:
    """Store (in Redis, under `key`) the pool child's pid, how many objects it has frozen and which process
    loaded the engine."""
    from pipelit import celery

    report = {
        "pid": os.getpid(),
        "frozen": gc.get_freeze_count(),
        "engine_loaded_by": celery.engine_loaded_by,
    }
    redis.Redis.from_url(settings.REDIS_URL).set(key, json.dumps(report), ex=120)
