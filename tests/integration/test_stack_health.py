"""The real stack: daphne serves /health and sees the Celery worker through Redis."""

import httpx
import pytest

pytestmark = pytest.mark.integration


def test_health_over_http_sees_database_redis_and_a_worker(live_url, celery_worker):
    body = httpx.get(f"{live_url}/health", timeout=10).json()
    assert body["database"] is True
    assert body["redis"] is True
    assert body["workers"] >= 1
    assert body["status"] == "ok"
