"""Outages of the database or Redis answer 503 + Retry-After instead of a 500."""

import json

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from redis.exceptions import ConnectionError as RedisConnectionError

from pipelit.middleware import BackingServiceUnavailableMiddleware

middleware = BackingServiceUnavailableMiddleware(lambda request: None)


@pytest.mark.parametrize(
    ("exception", "service"),
    [
        (OperationalError("server closed the connection"), "database"),
        (RedisConnectionError("refused"), "Redis"),
    ],
)
def test_an_api_request_gets_json_503_naming_the_service(exception, service):
    response = middleware.process_exception(RequestFactory().get("/api/v1/workflows/"), exception)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert json.loads(response.content) == {"detail": f"The {service} is unavailable; try again shortly."}


def test_a_page_gets_a_plain_503():
    response = middleware.process_exception(RequestFactory().get("/"), OperationalError("down"))
    assert response.status_code == 503 and response["Content-Type"].startswith("text/plain")


def test_other_errors_are_left_to_django():
    assert middleware.process_exception(RequestFactory().get("/api/v1/"), ValueError("bug")) is None
