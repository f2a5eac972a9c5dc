"""http_request against a loopback HTTP server started by the test (the true external boundary)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.execution.helpers import run_fixture_workflow, run_snapshot


class Handler(BaseHTTPRequestHandler):
    received: list = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        Handler.received.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        if self.path.startswith("/slow"):
            time.sleep(1.0)
        status = 404 if self.path.startswith("/missing") else 200
        payload = (
            b"x" * 500
            if self.path.startswith("/big")
            else json.dumps({"ok": True, "path": self.path}).encode()
        )
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    do_GET = do_POST = do_PUT = do_DELETE = _answer


@pytest.fixture
def http_server():
    Handler.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_request_step_sends_method_headers_and_body_from_expressions(http_server):
    payload = {"method": "POST", "url": f"{http_server}/hook", "text": "hi", "body": '{"a": 1}'}
    outcome = run_fixture_workflow("http_step.yaml", payload)
    assert outcome.status == "completed"
    out = outcome.node_outputs["call"]
    assert out["status_code"] == 200 and out["json"] == {"ok": True, "path": "/hook"}
    assert out["result"].startswith("HTTP 200\n") and out["truncated"] is False
    sent = Handler.received[0]
    assert sent["method"] == "POST" and sent["headers"]["X-Test"] == "hi" and sent["body"] == '{"a": 1}'


def test_http_request_caps_the_response_size(http_server):
    outcome = run_fixture_workflow("http_step.yaml", {"method": "GET", "url": f"{http_server}/big"})
    out = outcome.node_outputs["call"]
    assert out["truncated"] is True and len(out["body"]) == 64 and out["json"] is None


def _call(config, **kw):
    nodes = [{"id": "t", "type": "trigger_manual"}, {"id": "call", "type": "http_request", "config": config}]
    return run_snapshot({"nodes": nodes, "edges": ["t -> call"]}, **kw)


def test_object_bodies_are_sent_as_json(http_server):
    _call({"method": "PUT", "url": f"{http_server}/x", "body": {"k": [1, 2]}})
    assert json.loads(Handler.received[0]["body"]) == {"k": [1, 2]}
    assert Handler.received[0]["headers"]["Content-Type"] == "application/json"


def test_error_statuses_succeed_by_default_and_fail_when_asked(http_server):
    assert _call({"url": f"{http_server}/missing"}).node_outputs["call"]["status_code"] == 404
    failed = _call({"url": f"{http_server}/missing", "fail_on_error_status": True})
    assert failed.status == "failed" and failed.error_code == "http_404"


def test_timeouts_and_unreachable_hosts_fail_the_node(http_server):
    slow = _call({"url": f"{http_server}/slow", "timeout": 0.2})
    assert slow.status == "failed" and slow.error_code == "http_timeout"
    refused = _call({"url": "http://127.0.0.1:9/nothing", "timeout": 1})
    assert refused.status == "failed" and refused.error_code == "http_error"


def test_missing_url_is_a_configuration_error():
    outcome = _call({})
    assert outcome.status == "failed" and outcome.error_code == "invalid_config"
