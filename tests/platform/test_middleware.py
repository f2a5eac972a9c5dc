"""Outages of the database or Redis answer 503 + Retry-After; NUL characters in input answer 400."""

import json

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from redis.exceptions import ConnectionError as RedisConnectionError

from pipelit.middleware import BackingServiceUnavailableMiddleware, RejectNulCharactersMiddleware

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


nul_guard = RejectNulCharactersMiddleware(lambda request: "passed")


@pytest.mark.parametrize(
    "request_",
    [
        RequestFactory().get("/api/v1/tasks/", {"epic_id": "\x00"}),
        RequestFactory().get("/api/v1/tasks/", {"a\x00": "1"}),
        RequestFactory().post("/api/v1/workflows/", {"name": ["ok", "bad\x00"]}),
        RequestFactory().post(
            "/api/v1/workflows/", json.dumps({"tags": [{"deep": "x\u0000"}]}), content_type="application/json"
        ),
    ],
    ids=["query value", "query key", "form field", "nested json string"],
)
def test_nul_anywhere_in_the_input_is_a_400_with_detail(request_):
    response = nul_guard(request_)
    assert response.status_code == 400
    assert "NUL" in json.loads(response.content)["detail"]


def test_a_page_gets_a_plain_400_for_nul():
    response = nul_guard(RequestFactory().get("/workflows/", {"q": "\x00"}))
    assert response.status_code == 400 and response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "request_",
    [
        RequestFactory().get("/api/v1/tasks/", {"epic_id": "ep-1"}),
        RequestFactory().post(
            "/api/v1/workflows/", json.dumps({"code": "print('\\\\u0000')"}), content_type="application/json"
        ),
        RequestFactory().post("/api/v1/workflows/", "{not json \\u0000", content_type="application/json"),
    ],
    ids=["clean query", "escaped backslash is text", "malformed json left to the parser"],
)
def test_clean_input_passes_through(request_):
    assert nul_guard(request_) == "passed"


@pytest.mark.django_db
def test_regression_nul_in_a_filter_is_400_not_500(admin_client):
    # Found by the fuzzer on PostgreSQL: a NUL in ?epic_id= broke the query with a DataError.
    response = admin_client.get("/api/v1/tasks/", {"epic_id": "\x00"})
    assert response.status_code == 400 and response.json()["detail"]


def test_a_multipart_body_without_its_boundary_is_a_400_with_detail():
    request = RequestFactory().post("/api/v1/webhooks/flow", b"a=1", content_type="multipart/form-data")
    response = nul_guard(request)
    assert response.status_code == 400
    assert json.loads(response.content)["detail"].startswith("Malformed form body:")


def test_a_page_gets_a_plain_400_for_a_malformed_form():
    request = RequestFactory().post("/workflows/import/", b"a=1", content_type="multipart/form-data")
    response = nul_guard(request)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/plain")
