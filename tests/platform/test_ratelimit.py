"""Per-key rate limits: the Redis fixed window, the DRF throttle (429 + Retry-After) and failing open."""

import pytest

from pipelit import ratelimit
from pipelit.ratelimit import Limit, hit, parse_limit
from tests.conftest import client_for
from tests.factories import UserFactory


def test_parse_limit():
    assert parse_limit("100/60") == Limit(100, 60)
    assert parse_limit("5") == Limit(5, 1)
    assert parse_limit("") is None and parse_limit("0") is None and parse_limit("off") is None
    with pytest.raises(ValueError):
        parse_limit("-1/10")
    with pytest.raises(ValueError):
        parse_limit("many/10")


def test_fixed_window_counts_and_says_when_to_retry():
    who = f"unit{id(object())}"
    limit = Limit(3, 10)
    start = 1_000_000_000.0 + (hash(who) % 1000) * 10  # a window of its own
    assert [hit(scope="t", who=who, limit=limit, now=start + i).allowed for i in range(3)] == [True] * 3
    refused = hit(scope="t", who=who, limit=limit, now=start + 4.2)
    assert not refused.allowed and refused.retry_after == 6  # ceil(10 - 4.2)
    assert hit(scope="t", who=who, limit=limit, now=start + 10).allowed  # next window
    assert hit(scope="t", who=f"{who}-other", limit=limit, now=start + 4.2).allowed  # per caller


def test_no_limit_never_touches_redis(monkeypatch):
    monkeypatch.setattr(ratelimit, "_client", lambda: pytest.fail("redis used"))
    assert hit(scope="t", who="x", limit=None).allowed


def test_unreachable_redis_fails_open(settings):
    ratelimit._client.cache_clear()
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    try:
        assert hit(scope="t", who="x", limit=Limit(1, 60)).allowed
        assert hit(scope="t", who="x", limit=Limit(1, 60)).allowed
    finally:
        ratelimit._client.cache_clear()


@pytest.mark.django_db
def test_rest_limit_is_per_api_key_with_429_and_retry_after(settings):
    settings.PIPELIT_RATE_LIMIT_REST = "3/60"
    user = UserFactory()
    first, second = client_for(user), client_for(user)
    codes = [first.get("/api/v1/workflows/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = first.get("/api/v1/workflows/")
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["detail"]
    assert second.get("/api/v1/workflows/").status_code == 200  # the other key has its own budget
