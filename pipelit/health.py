"""Infrastructure probes used by /health and the system_health tool."""

import redis as redis_lib
from django.conf import settings
from django.db import connection


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def redis_ok() -> bool:
    try:
        return bool(redis_lib.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping())
    except Exception:
        return False


def live_worker_count(timeout: float = 0.5) -> int:
    """Celery workers that answer a broadcast ping within `timeout` seconds."""
    from pipelit.celery import app

    try:
        return len(app.control.ping(timeout=timeout) or [])
    except Exception:
        return 0
