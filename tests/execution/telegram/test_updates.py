"""Update parsing into the trigger_telegram payload and the gateway allow list."""

import pytest

from apps.execution.telegram.updates import UnsupportedUpdate, is_allowed, parse_update


def make_update(update_id=10, user_id=111, **message):
    base = {
        "message_id": 5,
        "from": {"id": user_id, "is_bot": False, "username": "alice", "first_name": "Alice"},
        "chat": {"id": -100200, "type": "group"},
        "date": 1764000000,
    }
    return {"update_id": update_id, "message": {**base, **message}}


def test_text_message_gives_text_chat_user_and_raw_payload():
    update = make_update(text="hello bot")
    payload = parse_update(update)
    assert payload == {
        "text": "hello bot",
        "chat_id": -100200,
        "files": [],
        "payload": update,
        "user_id": 111,
        "username": "alice",
        "message_id": 5,
        "update_id": 10,
    }


def test_caption_is_the_text_of_a_photo_and_the_largest_size_is_the_file():
    update = make_update(
        caption="look",
        photo=[
            {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 60},
            {"file_id": "big", "file_unique_id": "b", "width": 1280, "height": 853},
            {"file_id": "mid", "file_unique_id": "m", "width": 320, "height": 213},
        ],
    )
    payload = parse_update(update)
    assert payload["text"] == "look"
    assert payload["files"] == [
        {"file_id": "big", "kind": "photo", "file_name": None, "mime_type": "image/jpeg"}
    ]


def test_document_and_voice_become_files():
    update = make_update(
        document={"file_id": "doc1", "file_name": "report.pdf", "mime_type": "application/pdf"},
        voice={"file_id": "v1", "duration": 3, "mime_type": "audio/ogg"},
    )
    payload = parse_update(update)
    assert payload["text"] == ""
    assert payload["files"] == [
        {"file_id": "doc1", "kind": "document", "file_name": "report.pdf", "mime_type": "application/pdf"},
        {"file_id": "v1", "kind": "voice", "file_name": None, "mime_type": "audio/ogg"},
    ]


def test_edited_message_is_parsed_like_a_message():
    update = {"update_id": 3, "edited_message": make_update(text="fixed")["message"]}
    assert parse_update(update)["text"] == "fixed"


def test_sender_without_username_gives_empty_username():
    update = make_update(text="hi")
    del update["message"]["from"]["username"]
    assert parse_update(update)["username"] == ""


def test_update_without_a_message_is_unsupported():
    with pytest.raises(UnsupportedUpdate, match="callback_query"):
        parse_update({"update_id": 9, "callback_query": {"id": "1", "data": "x"}})


@pytest.mark.parametrize(
    ("allowed", "expected"),
    [
        ("", True),
        ("   ", True),
        ("111", True),
        ("222, 111 ,333", True),
        ("222,333", False),
        ("1111", False),
    ],
)
def test_allow_list(allowed, expected):
    assert is_allowed(make_update(text="x", user_id=111), allowed) is expected


def test_allow_list_refuses_updates_without_a_sender_when_restricted():
    update = {"update_id": 1, "channel_post": {"message_id": 1, "chat": {"id": -1, "type": "channel"}}}
    assert is_allowed(update, "111") is False
    assert is_allowed(update, "") is True
