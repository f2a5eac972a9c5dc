"""Telegram Bot API: client, update parsing, webhook secret check, long polling."""
