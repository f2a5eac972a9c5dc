"""TelegramClient against the loopback fake Bot API (real httpx, real sockets)."""

import logging
import os

import pytest

from apps.execution.telegram.client import MESSAGE_LIMIT, TelegramClient, TelegramError, split_message


@pytest.fixture
def waits():
    return []


@pytest.fixture
def client(fake_telegram, waits):
    with TelegramClient(fake_telegram.token, base_url=fake_telegram.base_url, sleep=waits.append) as c:
        yield c


def test_get_me_returns_the_bot(client, fake_telegram):
    me = client.get_me()
    assert me["is_bot"] is True
    assert me["id"] == 123456
    assert [call.method for call in fake_telegram.calls] == ["getMe"]


def test_base_url_defaults_to_the_setting(settings, fake_telegram):
    settings.TELEGRAM_API_BASE = fake_telegram.base_url
    with TelegramClient(fake_telegram.token) as client:
        assert client.get_me()["username"] == "fake_123456_bot"


@pytest.mark.skipif("TELEGRAM_API_BASE" in os.environ, reason="the environment overrides the default")
def test_setting_defaults_to_the_real_api():
    from django.conf import settings

    assert settings.TELEGRAM_API_BASE == "https://api.telegram.org"


def test_send_message_passes_optional_fields_only_when_given(client, fake_telegram):
    result = client.send_message(42, "hello", parse_mode="HTML", reply_to_message_id=7)
    client.send_message(42, "plain")
    assert result["text"] == "hello"
    first, second = fake_telegram.calls_to("sendMessage")
    assert first.params == {"chat_id": 42, "text": "hello", "parse_mode": "HTML", "reply_to_message_id": 7}
    assert second.params == {"chat_id": 42, "text": "plain"}


def test_api_error_carries_code_and_description(client):
    with pytest.raises(TelegramError) as caught:
        client.send_message(42, "x" * (MESSAGE_LIMIT + 1))
    assert caught.value.error_code == 400
    assert caught.value.description == "Bad Request: message is too long"
    assert caught.value.method == "sendMessage"


def test_unknown_token_is_401(fake_telegram):
    client = TelegramClient("999:wrong", base_url=fake_telegram.base_url)
    with client, pytest.raises(TelegramError) as caught:
        client.get_me()
    assert caught.value.error_code == 401
    assert "999:wrong" not in str(caught.value)


def test_429_waits_retry_after_once_then_succeeds(client, fake_telegram, waits):
    fake_telegram.fail("sendMessage", error_code=429, retry_after=3)
    client.send_message(42, "after the wait")
    assert waits == [3]
    assert len(fake_telegram.calls_to("sendMessage")) == 2
    assert [m["text"] for m in fake_telegram.sent_messages(42)] == ["after the wait"]


def test_429_really_waits_with_the_default_sleep(fake_telegram):
    fake_telegram.fail("getMe", error_code=429, retry_after=1)
    with TelegramClient(fake_telegram.token, base_url=fake_telegram.base_url) as client:
        client.get_me()
    first, second = fake_telegram.calls_to("getMe")
    assert second.at - first.at >= 0.95


def test_429_twice_raises_after_a_single_retry(client, fake_telegram, waits):
    fake_telegram.fail("sendMessage", error_code=429, retry_after=2, times=2)
    with pytest.raises(TelegramError) as caught:
        client.send_message(42, "never")
    assert caught.value.error_code == 429
    assert caught.value.retry_after == 2
    assert waits == [2]
    assert len(fake_telegram.calls_to("sendMessage")) == 2


def test_429_with_retry_after_above_the_cap_is_raised_without_waiting(fake_telegram, waits):
    fake_telegram.fail("getMe", error_code=429, retry_after=120)
    with (
        TelegramClient(
            fake_telegram.token, base_url=fake_telegram.base_url, max_retry_after=30, sleep=waits.append
        ) as client,
        pytest.raises(TelegramError) as caught,
    ):
        client.get_me()
    assert caught.value.retry_after == 120
    assert waits == []


def test_401_is_not_retried(client, fake_telegram, waits):
    fake_telegram.fail("getMe", error_code=401)
    with pytest.raises(TelegramError) as caught:
        client.get_me()
    assert caught.value.error_code == 401
    assert waits == []
    assert len(fake_telegram.calls_to("getMe")) == 1


def test_unreachable_server_is_a_telegram_error_without_code():
    client = TelegramClient("1:x", base_url="http://127.0.0.1:9", timeout=2)
    with client, pytest.raises(TelegramError) as caught:
        client.get_me()
    assert caught.value.error_code is None


def test_webhook_set_info_and_delete(client, fake_telegram):
    assert client.set_webhook(
        "https://pipelit.example/hooks/tg/", secret_token="s3cret", allowed_updates=["message"]
    )
    info = client.get_webhook_info()
    assert info["url"] == "https://pipelit.example/hooks/tg/"
    assert info["allowed_updates"] == ["message"]
    assert fake_telegram.webhooks[fake_telegram.token]["secret_token"] == "s3cret"
    assert client.delete_webhook(drop_pending_updates=True)
    assert client.get_webhook_info()["url"] == ""


def test_get_updates_long_poll_waits_then_returns_empty(client):
    assert client.get_updates(timeout=1) == []


def test_bot_token_never_reaches_the_logs(client, fake_telegram, caplog):
    with caplog.at_level(logging.INFO, logger="httpx"):
        client.get_me()
    assert caplog.records, "httpx should log the request"
    assert all(fake_telegram.token not in record.getMessage() for record in caplog.records)
    assert "/bot[redacted]/getMe" in caplog.text
    assert fake_telegram.token not in repr(client)


def test_long_message_is_sent_in_order_under_the_limit(client, fake_telegram):
    paragraphs = [f"Paragraph {i}: " + " ".join(f"word{i}_{j}" for j in range(300)) for i in range(6)]
    text = "\n\n".join(paragraphs)
    assert len(text) > 3 * MESSAGE_LIMIT

    sent = client.send_long_message(42, text, reply_to_message_id=5)

    texts = [m["text"] for m in fake_telegram.sent_messages(42)]
    assert len(sent) == len(texts) > 1
    assert all(0 < len(t) <= MESSAGE_LIMIT for t in texts)
    assert " ".join(" ".join(texts).split()) == " ".join(text.split())  # order and every word kept
    assert [m["reply_to_message_id"] for m in fake_telegram.sent_messages(42)] == [5] + [None] * (
        len(texts) - 1
    )


def test_short_message_is_one_send(client, fake_telegram):
    client.send_long_message(42, "short")
    assert [m["text"] for m in fake_telegram.sent_messages(42)] == ["short"]


class TestSplitMessage:
    def test_prefers_paragraph_breaks(self):
        text = "a" * 30 + "\n\n" + "b" * 30 + "\nccc"
        assert split_message(text, limit=40) == ["a" * 30, "b" * 30 + "\nccc"]

    def test_falls_back_to_line_breaks(self):
        text = "a" * 20 + "\n" + "b" * 15 + "\n" + "c" * 10
        assert split_message(text, limit=40) == ["a" * 20 + "\n" + "b" * 15, "c" * 10]

    def test_falls_back_to_spaces_and_never_cuts_a_word(self):
        text = "alpha beta gamma delta epsilon"
        parts = split_message(text, limit=12)
        assert parts == ["alpha beta", "gamma delta", "epsilon"]

    def test_cuts_a_word_only_when_it_alone_exceeds_the_limit(self):
        assert split_message("x" * 25 + " tail", limit=10) == ["x" * 10, "x" * 10, "x" * 5 + " tail"]

    def test_exactly_at_the_limit_is_one_part(self):
        assert split_message("y" * 10, limit=10) == ["y" * 10]

    def test_space_right_after_the_limit_gives_a_full_part(self):
        assert split_message("y" * 10 + " z", limit=10) == ["y" * 10, "z"]

    def test_parts_at_the_real_limit(self):
        text = ("word " * 2000).strip()
        parts = split_message(text)
        assert all(len(part) <= MESSAGE_LIMIT for part in parts)
        assert " ".join(parts) == text


def test_plain_http_webhook_is_refused(client):
    with pytest.raises(TelegramError) as caught:
        client.set_webhook("http://pipelit.example/hook/")
    assert caught.value.error_code == 400
    assert "HTTPS" in caught.value.description
