"""Telegram Update -> trigger_telegram payload, and the gateway credential's allow list."""

from __future__ import annotations

from typing import Any

MESSAGE_KEYS = ("message", "edited_message", "channel_post", "edited_channel_post")
# Media that carry one file object; photos come as a list of sizes and are handled apart.
_FILE_KINDS = ("document", "voice", "audio", "video", "video_note", "animation", "sticker")


class UnsupportedUpdate(ValueError):
    """The update carries no message (e.g. callback_query, poll); a trigger has nothing to fire on."""


def update_message(update: dict) -> dict:
    for key in MESSAGE_KEYS:
        message = update.get(key)
        if isinstance(message, dict):
            return message
    kinds = sorted(k for k in update if k != "update_id")
    raise UnsupportedUpdate(
        f"Update {update.get('update_id')} has no message ({', '.join(kinds) or 'empty'})."
    )


def parse_update(update: dict) -> dict[str, Any]:
    """Outputs of trigger_telegram: text, chat_id, files, payload (the raw update), user_id, username."""
    message = update_message(update)
    sender = message.get("from") or {}
    return {
        "text": message.get("text") or message.get("caption") or "",
        "chat_id": (message.get("chat") or {}).get("id"),
        "files": message_files(message),
        "payload": update,
        "user_id": sender.get("id"),
        "username": sender.get("username") or "",
        "message_id": message.get("message_id"),
        "update_id": update.get("update_id"),
    }


def message_files(message: dict) -> list[dict]:
    files = []
    photo_sizes = message.get("photo") or []
    if photo_sizes:
        largest = max(photo_sizes, key=lambda size: size.get("width", 0) * size.get("height", 0))
        # Telegram re-encodes every photo as JPEG and gives it no name.
        files.append(_file_entry(largest, "photo", mime_type="image/jpeg"))
    for kind in _FILE_KINDS:
        item = message.get(kind)
        if isinstance(item, dict) and item.get("file_id"):
            files.append(_file_entry(item, kind))
    return files


def _file_entry(item: dict, kind: str, *, mime_type: str | None = None) -> dict:
    return {
        "file_id": item["file_id"],
        "kind": kind,
        "file_name": item.get("file_name"),
        "mime_type": item.get("mime_type") or mime_type,
    }


def allowed_ids(allowed_user_ids: str) -> set[str]:
    return {part.strip() for part in (allowed_user_ids or "").split(",") if part.strip()}


def is_allowed(update: dict, allowed_user_ids: str) -> bool:
    """An empty allow list admits everyone; otherwise the sender's numeric id must be listed."""
    allowed = allowed_ids(allowed_user_ids)
    if not allowed:
        return True
    try:
        sender_id = (update_message(update).get("from") or {}).get("id")
    except UnsupportedUpdate:
        return False
    return sender_id is not None and str(sender_id) in allowed
