"""Webhook side: the secret token Telegram echoes in X-Telegram-Bot-Api-Secret-Token."""

from __future__ import annotations

import hmac
import secrets

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Django's request.META name for the header above.
SECRET_META_KEY = "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"


def new_secret_token() -> str:
    """43 characters from A-Z a-z 0-9 _ -, the alphabet setWebhook accepts (1-256 characters)."""
    return secrets.token_urlsafe(32)


def verify_secret(header_value: str | None, expected: str | None) -> bool:
    """Constant-time check; a webhook without a configured secret is refused, never open."""
    if not expected or header_value is None:
        return False
    return hmac.compare_digest(header_value.encode(), expected.encode())
