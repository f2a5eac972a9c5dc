"""Fernet encryption of secrets at rest, keyed by FIELD_ENCRYPTION_KEY."""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode() if isinstance(key, str) else key)


def encrypt(plaintext: str) -> str:
    if plaintext in (None, ""):
        return ""
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError(
            "Secret cannot be decrypted: FIELD_ENCRYPTION_KEY changed or the value is corrupt."
        ) from exc


def mask(secret: str, visible: int = 4) -> str:
    """`sk-p****ab12`: enough to recognise a key, never enough to use it."""
    if not secret:
        return ""
    if len(secret) <= visible * 2:
        return "****"
    return f"{secret[:visible]}****{secret[-visible:]}"


class EncryptedTextField(models.TextField):
    """A text column whose value is stored Fernet-encrypted and read back as plaintext."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""
