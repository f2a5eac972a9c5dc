"""Schemathesis against the project's own OpenAPI schema: every operation, authenticated as an admin.

Each operation gets `PIPELIT_FUZZ_EXAMPLES` generated requests (default 5), sent in-process through
Django's test client, so the run needs no server and each test's rows roll back. Checks: no 5xx, and
every documented answer matches its schema. Undocumented status codes (a 404 for a random slug, a 422
for junk) are allowed: the error envelope is the same everywhere and tested on its own.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import client_for
from tests.execution.builders import code_chain
from tests.factories import AdminFactory

EXAMPLES = int(os.environ.get("PIPELIT_FUZZ_EXAMPLES", "5"))
FUZZ_SLUG = "fuzz"
REQUEST_FIELDS = {"method", "url", "headers", "data", "json", "params", "cookies", "files"}


def _openapi() -> dict:
    """The document `/api/v1/schema/` serves, generated the same way (no request, no database)."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(_openapi())


@pytest.fixture
def fuzz_key(db, settings):
    settings.PIPELIT_RATE_LIMIT_REST = "0"
    settings.PIPELIT_RATE_LIMIT_WEBHOOK = "0"
    admin_client = client_for(AdminFactory())
    code_chain(owner=admin_client.user, count=2, slug=FUZZ_SLUG)
    return admin_client.raw_key


def send(case, raw_key: str) -> Response:
    """Serialize the case as requests would, hand the bytes to Django's test client, wrap the answer."""
    if "slug" in (case.path_parameters or {}):
        case.path_parameters["slug"] = FUZZ_SLUG  # a real workflow, so handlers go past the lookup
    kwargs = case.as_transport_kwargs(
        base_url="http://testserver", headers={"Authorization": f"Bearer {raw_key}"}
    )
    prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in REQUEST_FIELDS}).prepare()
    parts = urlsplit(prepared.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    body = prepared.body or b""
    body = body.encode() if isinstance(body, str) else body
    headers = {
        k: v for k, v in prepared.headers.items() if k.lower() not in ("content-type", "content-length")
    }
    answer = Client().generic(
        prepared.method,
        path,
        data=body,
        content_type=prepared.headers.get("Content-Type", "application/json"),
        headers=headers,
    )
    content = b"".join(answer.streaming_content) if answer.streaming else answer.content
    return Response(
        status_code=answer.status_code,
        headers={key: [value] for key, value in answer.items()},
        content=content,
        request=prepared,
        elapsed=0.0,
        verify=True,
        message=answer.reason_phrase,
        encoding="utf-8",
    )


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_5xx_and_answers_match_the_schema(case, fuzz_key):
    response = send(case, fuzz_key)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


@pytest.mark.django_db
def test_regression_an_id_too_large_for_the_database_is_404_not_500(admin_client):
    # Found by the fuzzer: `<int:...>` routes accept any length; SQLite overflowed into a 500.
    huge = 10**30
    for path in (f"/api/v1/credentials/{huge}/models/", f"/api/v1/workflows/{FUZZ_SLUG}/edges/{huge}/"):
        response = admin_client.get(path)
        assert response.status_code == 404, (path, response.status_code)
        assert response.json()["detail"]
