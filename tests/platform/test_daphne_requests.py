"""daphne's requests skip Twisted's form parsing; every body still reaches the workflow through Django."""

from types import SimpleNamespace

import httpx
import pytest
from daphne import http_protocol
from twisted.web.test.requesthelper import DummyChannel

from pipelit import daphne_requests
from tests.conftest import client_for
from tests.execution.builders import build_workflow
from tests.factories import UserFactory

FORM = b"tag=a&tag=b&event=ping"


def received(request_class, body: bytes, content_type: bytes):
    """A request of `request_class` after Twisted has taken in `body`, with daphne's processing left out."""

    class Received(request_class):
        def process(self):
            self.processed = True

    channel = DummyChannel()
    channel.factory = SimpleNamespace(server=SimpleNamespace(protocol_connected=lambda request: None))
    request = Received(channel)
    request.requestHeaders.setRawHeaders(b"content-type", [content_type])
    request.gotLength(len(body))
    request.handleContentChunk(body)
    request.requestReceived(b"POST", b"/api/v1/webhooks/flow?wait=1", b"HTTP/1.1")
    return request


def test_daphne_builds_the_request_class_without_form_parsing():
    assert daphne_requests.install()  # pipelit.asgi did it already; a second call changes nothing
    assert http_protocol.WebRequest is daphne_requests.WebRequest
    protocol = http_protocol.HTTPFactory(server=None).buildProtocol(None)
    assert protocol.requestFactory is daphne_requests.WebRequest


def test_a_form_body_is_left_unparsed_and_readable_from_the_start():
    request = received(daphne_requests.WebRequest, FORM, b"application/x-www-form-urlencoded")
    assert request.processed
    assert request.args == {b"wait": [b"1"]}  # the query string only
    assert request.content.read() == FORM


def test_daphnes_own_class_would_parse_it_which_is_what_is_skipped():
    request = received(daphne_requests.WebRequest.__mro__[1], FORM, b"application/x-www-form-urlencoded")
    assert request.args[b"tag"] == [b"a", b"b"]
    assert request.content.read() == FORM


def test_a_multipart_body_twisted_cannot_parse_still_reaches_the_application():
    request = received(daphne_requests.WebRequest, b"--x\r\nbroken", b"multipart/form-data")
    assert request.processed  # Twisted's parser would have answered 400 and dropped the connection


@pytest.fixture
def echo(live_url):
    """A webhook workflow whose output is the payload its trigger received."""
    owner = UserFactory()
    workflow = build_workflow(
        owner=owner,
        nodes={
            "trigger": {"component_type": "trigger_webhook"},
            "echo": {"component_type": "code", "config": {"code": "result = trigger['payload']['payload']"}},
        },
        edges=[("trigger", "echo")],
    )
    return SimpleNamespace(
        url=f"{live_url}/api/v1/webhooks/{workflow.slug}?wait=20",
        headers={"Authorization": f"Bearer {client_for(owner).raw_key}"},
    )


def run(echo, headers=None, **body) -> dict:
    response = httpx.post(echo.url, headers={**echo.headers, **(headers or {})}, timeout=30, **body)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "completed", response.text
    return response.json()["final_output"]["output"]


def test_a_urlencoded_body_with_repeated_fields_reaches_the_workflow_with_every_value(echo, celery_worker):
    output = run(echo, content=FORM, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert output == {"tag": ["a", "b"], "event": "ping"}


def test_a_multipart_body_reaches_the_workflow(echo, celery_worker):
    output = run(echo, data={"tag": ["a", "b"], "event": "ping"}, files={"f": ("f.txt", b"x", "text/plain")})
    assert output == {"tag": ["a", "b"], "event": "ping"}


def test_a_json_body_reaches_the_workflow(echo, celery_worker):
    assert run(echo, json={"event": "ping", "n": [1, 2]}) == {"event": "ping", "n": [1, 2]}


def test_a_multipart_body_without_a_boundary_is_answered_by_django_with_a_detail(echo):
    response = httpx.post(
        echo.url,
        content=b"event=ping",
        headers={**echo.headers, "Content-Type": "multipart/form-data"},
        timeout=10,
    )
    assert response.status_code == 400  # not Twisted's bare 400: the JSON detail says what is wrong
    assert response.json()["detail"].startswith("Malformed form body:")
