"""The getUpdates loop against the fake Bot API: offsets, re-delivery, long-poll wake-up, stop."""

import threading

import pytest

from apps.execution.telegram.client import TelegramClient, TelegramError
from apps.execution.telegram.polling import poll_updates


@pytest.fixture
def client(fake_telegram):
    with TelegramClient(fake_telegram.token, base_url=fake_telegram.base_url, sleep=lambda s: None) as c:
        yield c


def text_update(text):
    return {"message": {"message_id": 1, "chat": {"id": 42, "type": "private"}, "date": 0, "text": text}}


def offsets_sent(fake_telegram):
    return [call.params.get("offset") for call in fake_telegram.calls_to("getUpdates")]


def test_pushed_updates_are_handled_in_order_with_advancing_offsets(client, fake_telegram):
    for text in ("one", "two", "three"):
        fake_telegram.push_update(text_update(text))
    handled = []

    offset = poll_updates(
        client, offset=None, handle=handled.append, stop=lambda: len(handled) >= 3, timeout=1
    )

    assert [u["message"]["text"] for u in handled] == ["one", "two", "three"]
    assert [u["update_id"] for u in handled] == [1, 2, 3]
    assert offset == 4
    assert offsets_sent(fake_telegram)[0] is None
    assert offsets_sent(fake_telegram)[-1] == 4  # the final confirm
    assert fake_telegram.pending_updates() == []  # Telegram forgot what was handled


def test_next_poll_resumes_from_the_returned_offset(client, fake_telegram):
    fake_telegram.push_update(text_update("first"))
    handled = []
    offset = poll_updates(client, handle=handled.append, stop=lambda: len(handled) >= 1, timeout=1)
    fake_telegram.push_update(text_update("second"))

    offset = poll_updates(
        client, offset=offset, handle=handled.append, stop=lambda: len(handled) >= 2, timeout=1
    )

    assert [u["message"]["text"] for u in handled] == ["first", "second"]
    assert offset == 3
    assert offsets_sent(fake_telegram) == [None, 2, 2, 3]


def test_update_is_redelivered_when_handle_raises(client, fake_telegram):
    for text in ("a", "b", "c"):
        fake_telegram.push_update(text_update(text))
    attempts, handled = [], []

    def handle(update):
        attempts.append(update["update_id"])
        if update["update_id"] == 2 and attempts.count(2) == 1:
            raise RuntimeError("database went away")
        handled.append(update["update_id"])

    offset = poll_updates(
        client, handle=handle, stop=lambda: len(handled) >= 3, timeout=1, sleep=lambda s: None
    )

    assert attempts == [1, 2, 2, 3]
    assert handled == [1, 2, 3]
    assert offset == 4
    assert offsets_sent(fake_telegram)[:2] == [None, 2]  # re-fetched from the failed update


def test_a_crash_loses_nothing_because_the_offset_was_never_confirmed(client, fake_telegram):
    for text in ("a", "b"):
        fake_telegram.push_update(text_update(text))

    class WorkerDied(BaseException):
        pass

    def dying_handle(update):
        if update["update_id"] == 2:
            raise WorkerDied

    with pytest.raises(WorkerDied):
        poll_updates(client, handle=dying_handle, stop=lambda: False, timeout=1)

    handled = []  # a fresh process knows no offset: Telegram re-delivers everything unconfirmed
    poll_updates(client, handle=handled.append, stop=lambda: len(handled) >= 2, timeout=1)
    assert [u["update_id"] for u in handled] == [1, 2]


def test_long_poll_wakes_up_for_an_update_pushed_while_waiting(client, fake_telegram):
    handled = []
    done = threading.Event()

    def run():
        poll_updates(client, handle=handled.append, stop=lambda: bool(handled), timeout=10)
        done.set()

    worker = threading.Thread(target=run)
    worker.start()
    fake_telegram.push_update(text_update("late"))
    assert done.wait(5), "the long poll should return as soon as the update arrives"
    worker.join(5)
    assert [u["message"]["text"] for u in handled] == ["late"]


def test_stop_ends_the_loop_after_an_empty_long_poll(client, fake_telegram):
    calls = []
    offset = poll_updates(client, handle=calls.append, stop=lambda: len(fake_telegram.calls) >= 1, timeout=1)
    assert offset is None
    assert calls == []


def test_stop_mid_batch_leaves_the_rest_for_later(client, fake_telegram):
    for text in ("a", "b", "c"):
        fake_telegram.push_update(text_update(text))
    handled = []
    offset = poll_updates(client, handle=handled.append, stop=lambda: len(handled) >= 1, timeout=1)
    assert offset == 2
    assert [u["update_id"] for u in fake_telegram.pending_updates()] == [2, 3]


def test_transient_errors_back_off_and_continue(client, fake_telegram):
    fake_telegram.fail("getUpdates", error_code=502, description="Bad Gateway")
    fake_telegram.push_update(text_update("a"))
    waits, handled = [], []
    poll_updates(client, handle=handled.append, stop=lambda: bool(handled), timeout=1, sleep=waits.append)
    assert waits == [1.0]
    assert len(handled) == 1


def test_a_set_webhook_is_fatal_for_polling(client, fake_telegram):
    client.set_webhook("https://pipelit.example/hook/")
    with pytest.raises(TelegramError) as caught:
        poll_updates(client, handle=lambda u: None, stop=lambda: False, timeout=1)
    assert caught.value.error_code == 409


def test_revoked_token_is_fatal_for_polling(client, fake_telegram):
    fake_telegram.fail("getUpdates", error_code=401)
    with pytest.raises(TelegramError) as caught:
        poll_updates(client, handle=lambda u: None, stop=lambda: False, timeout=1)
    assert caught.value.error_code == 401
