"""The fake Bot API delivers updates to a set webhook the way Telegram does, secret header included."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.execution.telegram.client import TelegramClient
from apps.execution.telegram.webhook import SECRET_HEADER, new_secret_token, verify_secret


@pytest.fixture
def receiver():
    """A loopback endpoint standing in for Pipelit's webhook view: checks the secret, records bodies."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            accepted = verify_secret(self.headers.get(SECRET_HEADER), self.server.expected_secret)
            if accepted:
                received.append(body)
            self.send_response(200 if accepted else 403)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.received = received
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_update_reaches_the_webhook_with_the_secret(fake_telegram, receiver):
    secret = new_secret_token()
    receiver.expected_secret = secret
    url = f"http://127.0.0.1:{receiver.server_address[1]}/api/v1/telegram/hook/"
    with TelegramClient(fake_telegram.token, base_url=fake_telegram.base_url) as client:
        client.set_webhook(url, secret_token=secret)

    response = fake_telegram.deliver_to_webhook({"message": {"message_id": 1, "text": "hi"}})

    assert response.status_code == 200
    assert [update["message"]["text"] for update in receiver.received] == ["hi"]


def test_webhook_with_another_secret_refuses_the_update(fake_telegram, receiver):
    receiver.expected_secret = "the-real-secret"
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook/"
    with TelegramClient(fake_telegram.token, base_url=fake_telegram.base_url) as client:
        client.set_webhook(url, secret_token="a-stale-secret")

    response = fake_telegram.deliver_to_webhook({"message": {"message_id": 1, "text": "hi"}})

    assert response.status_code == 403
    assert receiver.received == []
